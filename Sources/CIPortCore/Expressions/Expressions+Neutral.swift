extension Expressions {
    /// Placeholder for a GitHub expression in `neutral`, or nil when it has none.
    static func neutralPlaceholder(_ e: Expr) -> String? {
        guard let ref = GitHubRef.classify(e) else { return nil }
        switch ref {
        case .mapped(let entry): return "⟨" + entry.key + "⟩"
        case .secret(let n), .variable(let n), .env(let n):
            if let key = ContextTable.neutralKeyByVariable[n] { return "⟨" + key + "⟩" }
            return "⟨var:" + safeVariableName(n) + "⟩"
        case .matrix(let axis): return "⟨matrix:" + variableName(forMatrixAxis: axis).lowercased() + "⟩"
        case .input(let n): return "⟨input:" + n + "⟩"
        // The GitLab side reads them as `$NAME` (a dotenv report, an exported variable).
        case .needsOutput(_, let n): return "⟨var:" + variableName(forOutput: n) + "⟩"
        case .stepOutput(let step, let n): return "⟨var:" + variableName(forOutput: n, step: step) + "⟩"
        case .unsupported: return nil
        }
    }

    /// Placeholder for a variable name of either platform.
    static func neutralPlaceholder(variable name: String, matrixAxes: Set<String>) -> String {
        if matrixAxes.contains(name) { return "⟨matrix:" + name.lowercased() + "⟩" }
        if let key = ContextTable.neutralKeyByVariable[name] { return "⟨" + key + "⟩" }
        return "⟨var:" + name + "⟩"
    }

    static func neutralForm(_ text: String, matrixAxes: Set<String>) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var pendingSpace = false
        func put(_ s: String) {
            if pendingSpace, !out.isEmpty { out.append(0x20) }
            pendingSpace = false
            out.append(contentsOf: s.utf8)
        }
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D {
                pendingSpace = true
                i += 1
                continue
            }
            if pendingSpace, !out.isEmpty { out.append(0x20) }
            pendingSpace = false
            guard c == Bytes.dollar, i == 0 || bytes[i - 1] != Bytes.backslash else {
                out.append(c)
                i += 1
                continue
            }
            if i + 1 < bytes.count, bytes[i + 1] == Bytes.dollar {
                out.append(contentsOf: [c, c])
                i += 2
                continue
            }
            if Bytes.has(bytes, i, "${{"), let end = Bytes.expressionEnd(bytes, from: i) {
                let source = Bytes.string(bytes[(i + 3)..<(end - 2)])
                if let e = try? ExpressionParser.parseGitHub(source) {
                    put(neutralPlaceholder(e) ?? "${{ " + e.github + " }}")
                } else {
                    // Unparseable: whitespace-collapsed verbatim, so that a second pass agrees.
                    put("${{ " + source.split(whereSeparator: \.isWhitespace).joined(separator: " ") + " }}")
                }
                i = end
                continue
            }
            if Bytes.has(bytes, i, "$[["), let close = GitLabToGitHub.find(bytes, "]]", from: i + 3) {
                let inner = Bytes.string(bytes[(i + 3)..<close]).trimmingWhitespace
                if inner.hasPrefix("inputs."), !inner.contains(" "), !inner.contains("|") {
                    put("⟨input:" + inner.dropFirst(7) + "⟩")
                    i = close + 2
                    continue
                }
            }
            let braced = i + 1 < bytes.count && bytes[i + 1] == Bytes.lbrace
            let nameStart = braced ? i + 2 : i + 1
            if let nameEnd = Bytes.nameEnd(bytes, nameStart), !braced || (nameEnd < bytes.count && bytes[nameEnd] == Bytes.rbrace) {
                put(neutralPlaceholder(variable: Bytes.string(bytes[nameStart..<nameEnd]), matrixAxes: matrixAxes))
                i = braced ? nameEnd + 1 : nameEnd
                continue
            }
            out.append(c)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
