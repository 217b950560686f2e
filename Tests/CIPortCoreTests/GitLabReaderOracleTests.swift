import Foundation
import Testing
@testable import CIPortCore

/// Fast paths of the GitLab reader against the code they stand in front of (kept here as oracles).
struct GitLabReaderOracleTests {
    /// `splitSpecHeader` as it was: the whole text split into lines first.
    static func splitSpecHeaderByLines(_ text: String) -> (header: String, body: String)? {
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

    @Test func specHeaderSplitsAsBefore() {
        let pieces = ["spec:", "spec", " spec:", "\tspec:", "  inputs:", "---", " --- ", "-- -", "# c", "#", "", " ", "\t",
                      "job:", "  script: [x]", "\r", "é", "\u{A0}", "spec:x", "spe", "c:", "\n"]
        var state: UInt64 = 7
        func next() -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) }
        var texts = ["", "\n", "spec:\n  inputs: {}\n---\njob: {script: [x]}\n", "# c\n\n---\nspec:\n---\nx: 1", "spec:"]
        for _ in 0..<4000 { texts.append((0..<(next() % 7)).map { _ in pieces[next() % pieces.count] }.joined(separator: next() % 3 == 0 ? "" : "\n")) }
        for t in texts {
            let a = GitLabReader.splitSpecHeader(t), b = Self.splitSpecHeaderByLines(t)
            #expect(a?.header == b?.header && a?.body == b?.body, "\(t.debugDescription)")
        }
    }
}
