/// Writes the model as a GitLab CI file.
public enum GitLabWriter {
    public static func write(_ p: Pipeline, options: ConvertOptions, ledger: inout Ledger) -> YOut {
        .map([])
    }
}
