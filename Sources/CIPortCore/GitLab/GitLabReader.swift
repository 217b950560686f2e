import Foundation

/// Reads a GitLab CI file into the model.
public enum GitLabReader {
    public static func read(_ root: YMapping, header: YMapping? = nil, file: String, options: ConvertOptions,
                            ledger: inout Ledger) throws(InputError) -> Pipeline {
        throw InputError(root.pos, "GitLab reader not built yet")
    }

    /// Splits a file that opens with a `spec:` header document: the header's text, and the body's
    /// text with the header's lines blanked so that positions in the body keep their line numbers.
    public static func splitSpecHeader(_ text: String) -> (header: String, body: String)? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var sawSpec = false
        for (i, raw) in lines.enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if !sawSpec {
                let t = line.trimmingCharacters(in: .whitespaces)
                if t.isEmpty || t.hasPrefix("#") || t == "---" { continue }
                guard line.hasPrefix("spec:") else { return nil }
                sawSpec = true
                continue
            }
            if line.trimmingCharacters(in: .whitespaces) == "---" {
                let header = lines[..<i].joined(separator: "\n")
                let body = String(repeating: "\n", count: i + 1) + lines[(i + 1)...].joined(separator: "\n")
                return (header, body)
            }
        }
        return nil
    }
}
