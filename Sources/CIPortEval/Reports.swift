import CIPortTrain
import Foundation

/// The report files of a run: summary.json, metrics.txt (OpenMetrics), junit.xml and report.html.
public enum Reports {
    /// Writes every report (each atomically) and returns their paths.
    public static func writeAll(results: [CaseResult], summary: EvalSummary, outDir: String,
                                baseline: (dir: String, results: [CaseResult], summary: EvalSummary?)? = nil) throws -> [String] {
        func path(_ n: String) -> String { (outDir as NSString).appendingPathComponent(n) }
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let files: [(String, Data)] = [
            ("summary.json", try enc.encode(summary)),
            ("metrics.txt", Data(openMetrics(summary).utf8)),
            ("junit.xml", Data(junit(results, summary: summary).utf8)),
            ("report.html", Data(HTMLReport.render(results: results, summary: summary, baseline: baseline).utf8)),
        ]
        for (name, data) in files { try AtomicWrite.write(data, to: path(name)) }
        return files.map { path($0.0) }
    }

    public static func loadSummary(dir: String) -> EvalSummary? {
        guard let d = FileManager.default.contents(atPath: (dir as NSString).appendingPathComponent("summary.json")) else { return nil }
        return try? JSONDecoder().decode(EvalSummary.self, from: d)
    }

    // MARK: OpenMetrics

    /// OpenMetrics text (the format of GitLab's merge-request metrics widget): one gauge family per
    /// metric; the unlabelled sample is the overall mean, `bound="low|high"` its 95% interval, and
    /// `task=`/`pair=` samples the groups' means. Ends with `# EOF`.
    public static func openMetrics(_ s: EvalSummary) -> String {
        var out = ""
        func num(_ v: Double) -> String {
            if v.isNaN { return "NaN" }
            if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
            return String(format: "%.6g", v)
        }
        func label(_ v: String) -> String {
            v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
        }
        func help(_ v: String) -> String { v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n") }
        for (key, text) in EvalSummary.metricNames {
            guard let e = s.overall.metrics[key] else { continue }
            let name = "ciport_\(key)"
            out += "# TYPE \(name) gauge\n# HELP \(name) \(help(text))\n"
            out += "\(name) \(num(e.mean))\n"
            out += "\(name){bound=\"low\"} \(num(e.low))\n"
            out += "\(name){bound=\"high\"} \(num(e.high))\n"
            for t in s.byTask.keys.sorted() { if let g = s.byTask[t]?.metrics[key] { out += "\(name){task=\"\(label(t))\"} \(num(g.mean))\n" } }
            for p in s.byPair.keys.sorted() { if let g = s.byPair[p]?.metrics[key] { out += "\(name){pair=\"\(label(p))\"} \(num(g.mean))\n" } }
        }
        out += "# TYPE ciport_cases gauge\n# HELP ciport_cases Benchmark cases by outcome\n"
        out += "ciport_cases{outcome=\"scored\"} \(s.overall.scored)\n"
        out += "ciport_cases{outcome=\"engine-error\"} \(s.overall.engineErrors)\n"
        out += "ciport_cases{outcome=\"benchmark-error\"} \(s.overall.benchmarkErrors)\n"
        if !s.errorKinds.isEmpty {
            out += "# TYPE ciport_engine_errors gauge\n# HELP ciport_engine_errors Engine failures by kind\n"
            for k in s.errorKinds.keys.sorted() { out += "ciport_engine_errors{kind=\"\(label(k))\"} \(s.errorKinds[k]!)\n" }
        }
        return out + "# EOF\n"
    }

    // MARK: JUnit

    /// JUnit XML for GitLab's test report: one testcase per benchmark case. A case fails when its answer
    /// does not parse, does not validate or scores fact F1 below the threshold; an engine failure is an
    /// `<error>`; a broken benchmark case is `<skipped>` (not the engine's fault).
    public static func junit(_ results: [CaseResult], summary: EvalSummary) -> String {
        let failures = results.count { $0.outcome == .scored && !$0.passed(threshold: summary.threshold) }
        let errors = results.count { $0.outcome == .engineError }
        let skipped = results.count { $0.outcome == .benchmarkError }
        let time = results.reduce(0) { $0 + $1.trace.seconds }
        var x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        x += "<testsuites name=\"ciport eval\" tests=\"\(results.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\" time=\"\(fmt(time))\">\n"
        x += "  <testsuite name=\"\(xml("ciport eval: \(summary.engine) on \(summary.bench)"))\" tests=\"\(results.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\" time=\"\(fmt(time))\">\n"
        for r in results {
            x += "    <testcase classname=\"\(xml("\(r.task).\(r.pair)"))\" name=\"\(xml(r.id))\" time=\"\(fmt(r.trace.seconds))\""
            switch r.outcome {
            case .benchmarkError:
                x += ">\n      <skipped message=\"\(xml("benchmark error: " + (r.error ?? "")))\"/>\n    </testcase>\n"
            case .engineError:
                x += ">\n      <error type=\"\(xml(r.errorKind ?? "error"))\" message=\"\(xml(r.error ?? ""))\"/>\n    </testcase>\n"
            case .scored:
                guard let s = r.scores, !r.passed(threshold: summary.threshold) else {
                    x += "/>\n"
                    continue
                }
                let why = !s.parses ? "does not parse" : !s.validates ? "fails ciport validate"
                    : "fact F1 \(fmt(s.factF1)) < \(fmt(summary.threshold))"
                var body = s.validationErrors.joined(separator: "\n")
                if !s.missingFacts.isEmpty { body += (body.isEmpty ? "" : "\n") + "missing: " + s.missingFacts.joined(separator: "; ") }
                if !s.extraFacts.isEmpty { body += "\nextra: " + s.extraFacts.joined(separator: "; ") }
                x += ">\n      <failure type=\"\(s.parses && s.validates ? "low-f1" : "invalid")\" message=\"\(xml(why))\">\(xml(body))</failure>\n    </testcase>\n"
            }
        }
        return x + "  </testsuite>\n</testsuites>\n"
    }

    static func fmt(_ v: Double) -> String { String(format: "%.3f", v) }

    /// Escaped for XML text and attributes; characters XML 1.0 forbids (most C0 controls, which a model
    /// can emit) are dropped.
    static func xml(_ s: String) -> String {
        var o = ""
        o.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": o += "&amp;"
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "\"": o += "&quot;"
            case "'": o += "&apos;"
            case "\t", "\n", "\r": o.unicodeScalars.append(u)
            default:
                if u.value < 0x20 || (0xFFFE...0xFFFF).contains(u.value) { continue }
                o.unicodeScalars.append(u)
            }
        }
        return o
    }
}

/// `ciport eval compare A B`: the cases that got better or worse from run A to run B.
public struct Comparison: Sendable {
    public struct Change: Sendable {
        public var id: String
        public var task: String
        public var pair: String
        public var before: Double
        public var after: Double
        public var note: String
    }

    public var improved: [Change] = []
    public var regressed: [Change] = []
    public var unchanged = 0
    public var onlyInA: [String] = []
    public var onlyInB: [String] = []

    /// A case's standing: fact F1 (0 when it does not parse or the engine failed), and whether it validates.
    static func standing(_ r: CaseResult) -> (f1: Double, valid: Bool, what: String) {
        switch r.outcome {
        case .benchmarkError: return (0, false, "benchmark error")
        case .engineError: return (0, false, "engine error (\(r.errorKind ?? "error"))")
        case .scored:
            let s = r.scores!
            return (s.factF1, s.parses && s.validates, !s.parses ? "does not parse" : !s.validates ? "fails validate" : "valid")
        }
    }

    /// F1 moves of at least `epsilon` count; smaller ones count only when validity changed.
    public init(a: [CaseResult], b: [CaseResult], epsilon: Double = 0.01) {
        let bById = Dictionary(b.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        let aIds = Set(a.map(\.id))
        onlyInB = b.map(\.id).filter { !aIds.contains($0) }
        for ra in a {
            guard let rb = bById[ra.id] else { onlyInA.append(ra.id); continue }
            if ra.outcome == .benchmarkError || rb.outcome == .benchmarkError { unchanged += 1; continue }
            let (x, y) = (Self.standing(ra), Self.standing(rb))
            let d = y.f1 - x.f1
            let note = x.what == y.what ? y.what : "\(x.what) → \(y.what)"
            let change = Change(id: ra.id, task: ra.task, pair: ra.pair, before: x.f1, after: y.f1, note: note)
            if d >= epsilon || (abs(d) < epsilon && y.valid && !x.valid) {
                improved.append(change)
            } else if d <= -epsilon || (abs(d) < epsilon && x.valid && !y.valid) {
                regressed.append(change)
            } else {
                unchanged += 1
            }
        }
        improved.sort { $0.after - $0.before > $1.after - $1.before }
        regressed.sort { $0.after - $0.before < $1.after - $1.before }
    }

    public func text(nameA: String, nameB: String) -> String {
        var out = "\(nameA) → \(nameB): \(improved.count) improved, \(regressed.count) regressed, \(unchanged) unchanged\n"
        func line(_ c: Change) -> String {
            "  \(c.id)  \(c.task) \(c.pair)  " + String(format: "F1 %.3f → %.3f (%+.3f)", c.before, c.after, c.after - c.before) + "  \(c.note)"
        }
        if !improved.isEmpty { out += "improved:\n" + improved.map(line).joined(separator: "\n") + "\n" }
        if !regressed.isEmpty { out += "regressed:\n" + regressed.map(line).joined(separator: "\n") + "\n" }
        if !onlyInA.isEmpty { out += "only in \(nameA): \(onlyInA.joined(separator: ", "))\n" }
        if !onlyInB.isEmpty { out += "only in \(nameB): \(onlyInB.joined(separator: ", "))\n" }
        return out
    }
}
