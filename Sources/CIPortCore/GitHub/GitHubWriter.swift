/// Writes the model as a GitHub Actions workflow.
public enum GitHubWriter {
    public static func write(_ p: Pipeline, options: ConvertOptions, ledger: inout Ledger) -> YOut {
        .map([])
    }
}
