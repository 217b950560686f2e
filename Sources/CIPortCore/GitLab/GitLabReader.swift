/// Reads a GitLab CI file into the model.
public enum GitLabReader {
    public static func read(_ root: YMapping, file: String, options: ConvertOptions,
                            ledger: inout Ledger) throws(InputError) -> Pipeline {
        throw InputError(root.pos, "GitLab reader not built yet")
    }
}
