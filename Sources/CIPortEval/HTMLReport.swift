import Foundation

/// report.html: one self-contained page (inline CSS and SVG drawn here, no script, nothing fetched) that
/// opens from disk.
public enum HTMLReport {
    static let runColor = "#2f6fdf"
    static let baseColor = "#a0a7b4"

    public static func render(results: [CaseResult], summary s: EvalSummary,
                              baseline: (dir: String, results: [CaseResult], summary: EvalSummary?)?) -> String {
        let baseSummary = baseline.map { $0.summary ?? EvalSummary(results: $0.results, engine: "baseline", bench: s.bench, threshold: s.threshold, seed: s.seed) }
        var h = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>ciport eval: \(esc(s.engine)) on \(esc(s.bench))</title>
        <style>
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1d2330}
        h1{font-size:1.5rem;margin-bottom:.2rem} h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #dde1e8;padding-bottom:.2rem}
        .sub{color:#5b6475} table{border-collapse:collapse;width:100%;margin:.5rem 0} th,td{padding:.25rem .5rem;border-bottom:1px solid #eceff3;text-align:left;vertical-align:top}
        th{background:#f5f7fa} td.n{text-align:right;font-variant-numeric:tabular-nums} .grid{display:flex;flex-wrap:wrap;gap:1rem}
        .card{border:1px solid #dde1e8;border-radius:6px;padding:.5rem .75rem} .ok{color:#1a7f37} .bad{color:#c62828} .warn{color:#9a6700}
        .legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 .8rem;vertical-align:-1px}
        details summary{cursor:pointer} pre{white-space:pre-wrap;font-size:12px;background:#f5f7fa;padding:.4rem;margin:.3rem 0;max-height:20rem;overflow:auto}
        svg text{font:11px system-ui,sans-serif;fill:#394150}
        </style></head><body>
        <h1>ciport eval — \(esc(s.engine))</h1>
        <p class="sub">Benchmark <code>\(esc(s.bench))</code> · \(s.overall.cases) cases: \(s.overall.scored) scored, \(s.overall.engineErrors) engine errors, \(s.overall.benchmarkErrors) benchmark errors · pass = parses, validates and fact F1 ≥ \(f(s.threshold)) · 95% intervals by bootstrap (\(s.resamples) resamples, seed \(s.seed))
        """
        if let baseline { h += " · compared with <code>\(esc(baseline.dir))</code>" }
        h += "</p>\n"
        if baseline != nil {
            h += "<p class=\"legend\"><span style=\"background:\(runColor)\"></span>this run<span style=\"background:\(baseColor)\"></span>baseline</p>\n"
        }

        // Summary table.
        h += "<h2>Summary</h2>\n<table><tr><th>metric</th><th>mean</th><th>95% interval</th>"
        if baseSummary != nil { h += "<th>baseline</th><th>change</th>" }
        h += "<th>what it measures</th></tr>\n"
        for (key, help) in EvalSummary.metricNames {
            guard let e = s.overall.metrics[key] else { continue }
            h += "<tr><td><code>\(key)</code></td><td class=\"n\">\(f(e.mean))</td><td class=\"n\">\(f(e.low)) – \(f(e.high))</td>"
            if let b = baseSummary {
                if let be = b.overall.metrics[key] {
                    let d = e.mean - be.mean
                    h += "<td class=\"n\">\(f(be.mean))</td><td class=\"n \(d > 0.005 ? "ok" : d < -0.005 ? "bad" : "")\">\(String(format: "%+.3f", d))</td>"
                } else { h += "<td></td><td></td>" }
            }
            h += "<td>\(esc(help))</td></tr>\n"
        }
        h += "</table>\n"
        if !s.errorKinds.isEmpty {
            h += "<p>Engine errors: " + s.errorKinds.keys.sorted().map { "\(esc($0)) \(s.errorKinds[$0]!)" }.joined(separator: ", ") + "</p>\n"
        }

        // Distributions.
        h += "<h2>Score distributions</h2>\n<p class=\"sub\">Cases per score bin (engine errors count as 0; benchmark errors are left out).</p>\n<div class=\"grid\">\n"
        let dists: [(String, String)] = [("fact_f1", "fact F1"), ("chrf", "chrF"), ("crystal_bleu", "CrystalBLEU"), ("judge", "LLM judge")]
        for (key, title) in dists {
            let v = results.compactMap { EvalSummary.value(key, $0, threshold: s.threshold) }
            if v.isEmpty { continue }
            let bv = baseline.map { b in b.results.compactMap { EvalSummary.value(key, $0, threshold: s.threshold) } }
            h += "<div class=\"card\">\(histogram(title: title, values: v, baseline: bv))</div>\n"
        }
        h += "</div>\n"

        // Groups.
        for (title, groups, baseGroups) in [("Per task kind", s.byTask, baseSummary?.byTask), ("Per platform pair", s.byPair, baseSummary?.byPair)] {
            h += "<h2>\(title)</h2>\n<div class=\"grid\">\n"
            for key in ["fact_f1", "pass_rate", "chrf"] {
                let rows = groups.keys.sorted().compactMap { g -> (String, Estimate, Estimate?)? in
                    guard let e = groups[g]?.metrics[key] else { return nil }
                    return (g, e, baseGroups?[g]?.metrics[key])
                }
                if rows.isEmpty { continue }
                h += "<div class=\"card\">\(bars(title: key, rows: rows))</div>\n"
            }
            h += "</div>\n<table><tr><th>group</th><th>cases</th><th>scored</th><th>engine errors</th><th>benchmark errors</th><th>fact F1</th><th>pass rate</th></tr>\n"
            for g in groups.keys.sorted() {
                let x = groups[g]!
                h += "<tr><td>\(esc(g))</td><td class=\"n\">\(x.cases)</td><td class=\"n\">\(x.scored)</td><td class=\"n\">\(x.engineErrors)</td><td class=\"n\">\(x.benchmarkErrors)</td>"
                h += "<td class=\"n\">\(x.metrics["fact_f1"].map { "\(f($0.mean)) (\(f($0.low))–\(f($0.high)))" } ?? "–")</td><td class=\"n\">\(x.metrics["pass_rate"].map { f($0.mean) } ?? "–")</td></tr>\n"
            }
            h += "</table>\n"
        }

        // Two runs compared.
        if let baseline {
            let c = Comparison(a: baseline.results, b: results)
            h += "<h2>Compared with the baseline</h2>\n<p>\(c.improved.count) improved, \(c.regressed.count) regressed, \(c.unchanged) unchanged.</p>\n"
            for (title, list, cls) in [("Regressed", c.regressed, "bad"), ("Improved", c.improved, "ok")] where !list.isEmpty {
                h += "<h3>\(title)</h3>\n<table><tr><th>case</th><th>task</th><th>pair</th><th>fact F1 before → after</th><th>note</th></tr>\n"
                for x in list.prefix(200) {
                    h += "<tr><td>\(esc(x.id))</td><td>\(esc(x.task))</td><td>\(esc(x.pair))</td><td class=\"n \(cls)\">\(f(x.before)) → \(f(x.after))</td><td>\(esc(x.note))</td></tr>\n"
                }
                h += "</table>\n"
            }
        }

        // Cases, worst first.
        let shown = results.sorted { rank($0, s.threshold) < rank($1, s.threshold) }.prefix(1000)
        h += "<h2>Cases</h2>\n<p class=\"sub\">Worst first\(results.count > shown.count ? "; the first \(shown.count) of \(results.count)" : ""). Open a row for its errors and fact differences.</p>\n"
        h += "<table><tr><th>case</th><th>task</th><th>pair</th><th>result</th><th>fact F1</th><th>chrF</th><th>CrystalBLEU</th><th>exact</th></tr>\n"
        for r in shown {
            let (label, cls): (String, String) = switch r.outcome {
            case .benchmarkError: ("benchmark error", "warn")
            case .engineError: ("engine error: \(r.errorKind ?? "")", "bad")
            case .scored: r.passed(threshold: s.threshold) ? ("pass", "ok")
                : (r.scores!.parses ? (r.scores!.validates ? "low F1" : "invalid") : "does not parse", "bad")
            }
            var detail = ""
            if let e = r.error { detail += "<pre>\(esc(e))</pre>" }
            if let sc = r.scores {
                if !sc.validationErrors.isEmpty { detail += "<pre>\(esc(sc.validationErrors.joined(separator: "\n")))</pre>" }
                if !sc.missingFacts.isEmpty { detail += "<p>missing facts:</p><pre>\(esc(sc.missingFacts.joined(separator: "\n")))</pre>" }
                if !sc.extraFacts.isEmpty { detail += "<p>extra facts:</p><pre>\(esc(sc.extraFacts.joined(separator: "\n")))</pre>" }
            }
            let idCell = detail.isEmpty ? esc(r.id) : "<details><summary>\(esc(r.id))</summary>\(detail)</details>"
            let sc = r.scores
            h += "<tr><td>\(idCell)</td><td>\(esc(r.task))</td><td>\(esc(r.pair))</td><td class=\"\(cls)\">\(esc(label))</td>"
            h += "<td class=\"n\">\(sc.map { f($0.factF1) } ?? "–")</td><td class=\"n\">\(sc.map { f($0.chrF) } ?? "–")</td><td class=\"n\">\(sc.map { f($0.bleu) } ?? "–")</td><td>\(sc.map { $0.exact ? "yes" : "" } ?? "")</td></tr>\n"
        }
        h += "</table>\n<p class=\"sub\">Written by <code>ciport eval</code>; the figures are in summary.json and results.jsonl beside this file.</p>\n</body></html>\n"
        return h
    }

    static func rank(_ r: CaseResult, _ threshold: Double) -> Double {
        switch r.outcome {
        case .engineError: return -2
        case .benchmarkError: return -1
        case .scored: return r.passed(threshold: threshold) ? 1 + r.scores!.factF1 : r.scores!.factF1
        }
    }

    /// A histogram of 0…1 scores in ten bins; the baseline's bars beside this run's.
    static func histogram(title: String, values: [Double], baseline: [Double]?) -> String {
        let (w, hgt, left, bottom, top) = (340.0, 190.0, 34.0, 26.0, 22.0)
        func bins(_ v: [Double]) -> [Int] {
            var b = [Int](repeating: 0, count: 10)
            for x in v { b[min(9, max(0, Int(x * 10)))] += 1 }
            return b
        }
        let a = bins(values), b = baseline.map(bins)
        let peak = max(1, (a + (b ?? [])).max() ?? 1)
        let plotH = hgt - bottom - top, slot = (w - left - 6) / 10
        var svg = "<svg width=\"\(Int(w))\" height=\"\(Int(hgt))\" viewBox=\"0 0 \(Int(w)) \(Int(hgt))\" role=\"img\" aria-label=\"\(esc(title)) histogram\">"
        svg += "<text x=\"\(left)\" y=\"14\" style=\"font-weight:600\">\(esc(title)) (n=\(values.count))</text>"
        svg += "<line x1=\"\(left)\" y1=\"\(hgt - bottom)\" x2=\"\(w - 4)\" y2=\"\(hgt - bottom)\" stroke=\"#8a93a3\"/>"
        svg += "<text x=\"\(left - 4)\" y=\"\(top + 8)\" text-anchor=\"end\">\(peak)</text><text x=\"\(left - 4)\" y=\"\(hgt - bottom)\" text-anchor=\"end\">0</text>"
        for i in 0..<10 {
            let x = left + Double(i) * slot
            let series: [(Int, String)] = b.map { [($0[i], baseColor), (a[i], runColor)] } ?? [(a[i], runColor)]
            let bw = (slot - 4) / Double(series.count)
            for (j, (count, color)) in series.enumerated() {
                let bh = plotH * Double(count) / Double(peak)
                svg += "<rect x=\(q(x + 2 + Double(j) * bw)) y=\(q(hgt - bottom - bh)) width=\(q(bw)) height=\(q(bh)) fill=\"\(color)\"><title>\(String(format: "%.1f–%.1f", Double(i) / 10, Double(i + 1) / 10)): \(count)</title></rect>"
            }
            if i % 2 == 0 { svg += "<text x=\(q(x)) y=\"\(hgt - bottom + 14)\" text-anchor=\"middle\">\(String(format: "%.1f", Double(i) / 10))</text>" }
        }
        svg += "<text x=\(q(w - 6)) y=\"\(hgt - bottom + 14)\" text-anchor=\"end\">1.0</text>"
        return svg + "</svg>"
    }

    /// Horizontal bars of group means (0…1) with their 95% intervals as whiskers.
    static func bars(title: String, rows: [(String, Estimate, Estimate?)]) -> String {
        let left = 150.0, w = 420.0, rowH = rows.contains { $0.2 != nil } ? 26.0 : 18.0
        let hgt = 30 + rowH * Double(rows.count) + 18
        let span = w - left - 40
        var svg = "<svg width=\"\(Int(w))\" height=\"\(Int(hgt))\" viewBox=\"0 0 \(Int(w)) \(Int(hgt))\" role=\"img\" aria-label=\"\(esc(title)) by group\">"
        svg += "<text x=\"4\" y=\"14\" style=\"font-weight:600\">\(esc(title))</text>"
        for (i, (label, e, base)) in rows.enumerated() {
            let y = 26 + Double(i) * rowH
            svg += "<text x=\(q(left - 6)) y=\(q(y + 11)) text-anchor=\"end\">\(esc(String(label.prefix(22))))</text>"
            var yy = y
            if let base {
                svg += "<rect x=\(q(left)) y=\(q(yy)) width=\(q(span * base.mean)) height=\"10\" fill=\"\(baseColor)\"><title>baseline \(f(base.mean))</title></rect>"
                yy += 11
            }
            let bh = base == nil ? 13.0 : 10.0
            svg += "<rect x=\(q(left)) y=\(q(yy)) width=\(q(span * e.mean)) height=\(q(bh)) fill=\"\(runColor)\"><title>\(f(e.mean)) (\(f(e.low))–\(f(e.high))), n=\(e.n)</title></rect>"
            let mid = yy + bh / 2
            svg += "<line x1=\(q(left + span * e.low)) y1=\(q(mid)) x2=\(q(left + span * e.high)) y2=\(q(mid)) stroke=\"#1d2330\"/>"
            svg += "<line x1=\(q(left + span * e.low)) y1=\(q(mid - 3)) x2=\(q(left + span * e.low)) y2=\(q(mid + 3)) stroke=\"#1d2330\"/>"
            svg += "<line x1=\(q(left + span * e.high)) y1=\(q(mid - 3)) x2=\(q(left + span * e.high)) y2=\(q(mid + 3)) stroke=\"#1d2330\"/>"
            svg += "<text x=\(q(left + span + 4)) y=\(q(y + 11))>\(f(e.mean))</text>"
        }
        let axisY = 26 + rowH * Double(rows.count) + 4
        svg += "<line x1=\(q(left)) y1=\(q(axisY)) x2=\(q(left + span)) y2=\(q(axisY)) stroke=\"#8a93a3\"/>"
        svg += "<text x=\(q(left)) y=\(q(axisY + 12)) text-anchor=\"middle\">0</text><text x=\(q(left + span)) y=\(q(axisY + 12)) text-anchor=\"middle\">1</text>"
        return svg + "</svg>"
    }

    static func q(_ v: Double) -> String { "\"" + String(format: "%.1f", v) + "\"" }
    static func f(_ v: Double) -> String { String(format: "%.3f", v) }
    static func esc(_ s: String) -> String { Reports.xml(s) }
}
