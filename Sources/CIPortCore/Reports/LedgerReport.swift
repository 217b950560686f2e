import Foundation

/// The ledger of one or more conversions as JSON (every entry) or SARIF 2.1.0 (entries that are
/// not simply translated, for code-scanning UIs and merge-request widgets).
public enum LedgerReport {
    public struct Item: Sendable {
        public var source: String
        public var from: Platform
        public var to: Platform
        public var output: String?
        public var ledger: Ledger

        public init(source: String, from: Platform, to: Platform, output: String?, ledger: Ledger) {
            self.source = source
            self.from = from
            self.to = to
            self.output = output
            self.ledger = ledger
        }
    }

    public static func json(_ items: [Item], version: String) -> String {
        var files: [[String: Any]] = []
        var total = Ledger.Summary()
        for item in items {
            let s = item.ledger.summary
            total = total + s
            files.append([
                "source": item.source,
                "from": item.from.rawValue,
                "to": item.to.rawValue,
                "output": item.output as Any? ?? NSNull(),
                "summary": summaryJSON(s),
                "entries": item.ledger.entries.map { e -> [String: Any] in
                    var d: [String: Any] = [
                        "construct": e.construct, "status": e.status.rawValue,
                        "file": e.pos.file, "line": e.pos.line, "column": e.pos.column,
                    ]
                    if !e.note.isEmpty { d["note"] = e.note }
                    if let t = e.target { d["target"] = t }
                    return d
                },
            ])
        }
        let doc: [String: Any] = ["tool": "ciport", "version": version, "summary": summaryJSON(total), "files": files]
        return encode(doc)
    }

    public static func sarif(_ items: [Item], version: String) -> String {
        let rules: [[String: Any]] = Fidelity.allCases.filter { $0 != .translated }.map { f in
            [
                "id": "ciport/\(f.rawValue)",
                "name": ruleName(f),
                "shortDescription": ["text": ruleText(f)],
                "defaultConfiguration": ["level": level(f)],
            ]
        }
        var results: [[String: Any]] = []
        for item in items {
            for e in item.ledger.entries where e.status != .translated {
                var text = "\(e.construct): \(e.status.rawValue) translating \(item.from) to \(item.to)"
                if !e.note.isEmpty { text += ": \(e.note)" }
                results.append([
                    "ruleId": "ciport/\(e.status.rawValue)",
                    "level": level(e.status),
                    "message": ["text": text],
                    "locations": [[
                        "physicalLocation": [
                            "artifactLocation": ["uri": e.pos.file],
                            "region": ["startLine": max(e.pos.line, 1), "startColumn": max(e.pos.column, 1)],
                        ],
                    ]],
                ])
            }
        }
        let doc: [String: Any] = [
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [[
                "tool": ["driver": ["name": "ciport", "version": version, "rules": rules]],
                "results": results,
            ]],
        ]
        return encode(doc)
    }

    private static func summaryJSON(_ s: Ledger.Summary) -> [String: Any] {
        var d: [String: Any] = ["total": s.total, "percent_translated": (s.percent(.translated) * 10).rounded() / 10]
        for f in Fidelity.allCases { d[f.rawValue] = s.count(f) }
        return d
    }

    private static func level(_ f: Fidelity) -> String {
        switch f {
        case .translated, .approximated: "note"
        case .needsReview: "warning"
        case .lost: "error"
        }
    }

    private static func ruleName(_ f: Fidelity) -> String {
        switch f {
        case .translated: "Translated"
        case .approximated: "Approximated"
        case .needsReview: "NeedsReview"
        case .lost: "Lost"
        }
    }

    private static func ruleText(_ f: Fidelity) -> String {
        switch f {
        case .translated: "Translated with the same meaning."
        case .approximated: "Translated with a difference a person should know about."
        case .needsReview: "Written, but only a person can tell whether it is right."
        case .lost: "Has no counterpart on the target platform and is not in the output."
        }
    }

    private static func encode(_ doc: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return (String(data: data, encoding: .utf8) ?? "{}") + "\n"
    }
}
