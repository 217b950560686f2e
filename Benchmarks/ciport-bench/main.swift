// Corpus benchmark and fidelity figures for the README (release build: `make bench`).
//
// Prints, per corpus: files/s for a bare Yams parse and for a full conversion (read, translate,
// write, re-parse and validate the output), their ratio, the ledger's class percentages, and the
// round-trip fact F1 (source → other platform → source) with its mean and worst five files.
import CIPortCore
import Foundation
import Yams

let args = CommandLine.arguments.dropFirst()
let corpus = args.first ?? ProcessInfo.processInfo.environment["CIPORT_CORPUS"] ?? "../shared/corpus"
let minSeconds = Double(ProcessInfo.processInfo.environment["BENCH_SECONDS"] ?? "") ?? 2.0

func yamlFiles(_ dir: String) -> [(name: String, text: String)] {
    guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
    var out: [(String, String)] = []
    for case let rel as String in e where rel.hasSuffix(".yml") || rel.hasSuffix(".yaml") {
        let path = (dir as NSString).appendingPathComponent(rel)
        if let text = try? String(contentsOfFile: path, encoding: .utf8) { out.append((rel, text)) }
    }
    return out.sorted { $0.0 < $1.0 }
}

/// Runs `body` over all files repeatedly for at least `minSeconds`; returns files per second.
func measure(_ files: [(name: String, text: String)], _ body: (String, String) -> Void) -> Double {
    var n = 0
    let start = Date()
    repeat {
        for f in files { body(f.name, f.text) }
        n += files.count
    } while Date().timeIntervalSince(start) < minSeconds
    return Double(n) / Date().timeIntervalSince(start)
}

func pct(_ x: Double) -> String { String(format: "%.1f%%", x) }

print("ciport corpus benchmark — \(corpus)")
print("")
for sub in ["github-starter-workflows", "gitlab-templates"] {
    let files = yamlFiles((corpus as NSString).appendingPathComponent(sub))
    guard !files.isEmpty else { print("\(sub): not found, skipped"); continue }
    var failures: [String] = []
    var summary = Ledger.Summary()
    var f1s: [(String, Double)] = []
    var crossF1s: [Double] = []
    for f in files {
        do {
            let c = try Translator.convert(f.text, file: f.name)
            summary = summary + c.ledger.summary
            var l1 = Ledger(), l2 = Ledger()
            let target = try Translator.read(c.output, file: "out.yml", from: c.target, ledger: &l1)
            let back = try Translator.convert(c.output, file: "out.yml", from: c.target, to: c.source)
            let again = try Translator.read(back.output, file: "back.yml", from: c.source, ledger: &l2)
            let src = Facts.extract(c.pipeline)
            f1s.append((f.name, Facts.score(Facts.extract(again), against: src).f1))
            crossF1s.append(Facts.score(Facts.extract(target), against: src).f1)
        } catch {
            failures.append("\(error)")
        }
    }
    let parse = measure(files) { _, text in _ = try? Yams.compose(yaml: text) }
    let convert = measure(files) { name, text in _ = try? Translator.convert(text, file: name) }
    // Where the time goes: each phase measured alone over the same files.
    let readOnly = measure(files) { name, text in var l = Ledger(); _ = try? Translator.read(text, file: name, ledger: &l) }
    let outputs = files.compactMap { f in (try? Translator.convert(f.text, file: f.name)).map { (f.name, $0.output, $0.target) } }
    let reparse = measure(outputs.map { ($0.0, $0.1) }) { name, text in _ = try? YAMLLoader.load(text, file: name) }
    let outBytes = outputs.reduce(0) { $0 + $1.1.utf8.count }, inBytes = files.reduce(0) { $0 + $1.text.utf8.count }
    print("## \(sub): \(files.count) files, \(files.count - failures.count) converted")
    print(String(format: "  phases: read %.0f files/s; re-reading the outputs %.0f files/s (outputs are %.1f× the input bytes)",
                 readOnly, reparse, Double(outBytes) / Double(max(inBytes, 1))))
    for e in failures.prefix(5) { print("  failed: \(e)") }
    print(String(format: "  speed: parse %.0f files/s, convert %.0f files/s, convert/parse time ratio %.2f×",
                 parse, convert, parse / convert))
    print("  ledger: \(summary.total) constructs — translated \(pct(summary.percent(.translated))), approximated \(pct(summary.percent(.approximated))), needs-review \(pct(summary.percent(.needsReview))), lost \(pct(summary.percent(.lost)))")
    if !f1s.isEmpty {
        let mean = f1s.map(\.1).reduce(0, +) / Double(f1s.count)
        let crossMean = crossF1s.reduce(0, +) / Double(crossF1s.count)
        print(String(format: "  fact F1 source vs translation: mean %.3f", crossMean))
        print(String(format: "  fact F1 round trip: mean %.3f; worst five:", mean))
        for (name, f1) in f1s.sorted(by: { $0.1 < $1.1 }).prefix(5) { print(String(format: "    %.3f  %@", f1, name)) }
    }
    print("")
}
