/// Reads a GitHub Actions workflow into the model.
public enum GitHubReader {
    public static func read(_ root: YMapping, file: String, options: ConvertOptions,
                            ledger: inout Ledger) throws(InputError) -> Pipeline {
        throw InputError(root.pos, "GitHub reader not built yet")
    }
}
