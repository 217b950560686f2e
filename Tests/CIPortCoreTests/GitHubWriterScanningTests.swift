import Foundation
import Testing
@testable import CIPortCore

/// The writer's byte scanners against what they replace: the three shell-name regexes, the
/// package-manager regex, Foundation's `contains`/`replacingOccurrences`, and the scalar-array
/// readings of `PredefinedVariable.references`/`substitute` (kept below as oracles).
struct GitHubWriterScanningTests {
    // MARK: shell names

    static let shellCases: [(script: String, names: [String])] = [
        ("A=1", ["A"]),
        ("  B=2", ["B"]),
        ("echo hi; C=3 && D=4 | E=5", ["C", "D", "E"]),
        ("(F=6) `G=7`", ["F", "G"]),
        ("export H=1\nlocal I=2\nreadonly J=3", ["H", "I", "J"]),
        ("declare -r -x K=1", ["K"]),
        ("declare -ab=1", ["b"]),              // the last flag gives back `b`, which the tail then takes
        ("declare -x -1=1", []),
        ("declare L=1", ["L"]),
        ("x exportM=1", ["M"]),                // no `\b` after the keyword
        ("exportN=1", ["exportN"]),            // `^` is tried first
        ("echo \"x;O=1\" 'P=2'", ["O"]),       // inside quotes the regex matched too
        ("read -r a b", ["a"]),
        ("read -p \"Name: \" name", []),
        ("read -r\nline", ["line"]),
        ("while read -r -a arr; do :; done", ["arr"]),
        ("thread x", []),
        ("for f in *.txt; do echo $f; done", ["f"]),
        ("for f in; do :; done", ["f"]),
        ("for f inside", []),
        ("for\n  g\n  in x", ["g"]),
        ("export\nQ=1", ["Q"]),
        ("a\r\nR=1\u{0B}S=2\u{0C}T=3", ["R", "S", "T"]),
        ("U==1 V = 2 9W=3", ["U"]),
        ("café=1\nX=2", ["X"]),                // non-ASCII: the regexes themselves
    ]

    @Test func shellNamesMatchTheRegexes() {
        for c in Self.shellCases {
            let scanned = GitHubWriting.shellAssignedNames(in: c.script)
            #expect(scanned == GitHubWriting.shellAssignedNamesByRegex(in: c.script), "\(c.script.debugDescription)")
            #expect(Set(scanned) == Set(c.names), "\(c.script.debugDescription)")
        }
    }

    @Test func shellNamesMatchTheRegexesOnRandomScripts() {
        let tokens = ["export", "local", "readonly", "declare", "read", "for", "in", "inx", "do", " ", "  ", "\t", "\n",
                      "\r", "\u{0B}", "-", "-x", "-rx", "-9", "A", "b", "_c", "x1", "1", "=", "==", ";", "&", "|", "(",
                      "`", "\"", "'", "$", "{", "}", "ab=", "-ab=", "#"]
        var rng = SplitMix64(seed: 0x5eed)
        for _ in 0..<4000 {
            let script = (0..<Int.random(in: 1...14, using: &rng)).map { _ in tokens.randomElement(using: &rng)! }.joined()
            #expect(GitHubWriting.shellAssignedNames(in: script) == GitHubWriting.shellAssignedNamesByRegex(in: script),
                    "\(script.debugDescription)")
        }
    }

    @Test(.enabled(if: TestPaths.hasCorpus, "needs the corpus (CIPORT_CORPUS)"))
    func shellNamesMatchTheRegexesOnTheCorpus() throws {
        var scripts = 0
        for f in TestPaths.corpusFiles("gitlab-templates") {
            var ledger = Ledger()
            guard let p = try? Translator.read(f.text, file: f.name, ledger: &ledger) else { continue }
            for j in p.jobs {
                let text = j.steps.compactMap(\.script).joined(separator: "\n")
                scripts += 1
                #expect(GitHubWriting.shellAssignedNames(in: text) == GitHubWriting.shellAssignedNamesByRegex(in: text),
                        "\(f.name): \(j.id)")
                if let united = Self.unitedNames(j.steps.compactMap(\.script)) {
                    #expect(united == Set(GitHubWriting.shellAssignedNames(in: text)), "\(f.name): \(j.id)")
                }
            }
        }
        #expect(scripts > 100)
    }

    // MARK: apt

    @Test func packageManagerMatchesTheRegex() {
        let tokens = ["apt", "apt-get", "dpkg", "aptitude", " ", "\t", "\n", ";", "&", "(", "|", "x", "-", "sudo ",
                      "install", "\u{A0}"]
        var rng = SplitMix64(seed: 7)
        for _ in 0..<3000 {
            let line = (0..<Int.random(in: 1...6, using: &rng)).map { _ in tokens.randomElement(using: &rng)! }.joined()
            let old = line.range(of: #"(^|[\s;&|(])(apt-get|apt|dpkg)\s"#, options: .regularExpression) != nil
            #expect(GitHubWriting.usesPackageManager(line) == old, "\(line.debugDescription)")
        }
        #expect(GitHubWriting.usesPackageManager("sudo apt-get install -y x"))
        #expect(!GitHubWriting.usesPackageManager("apt-get"))
    }

    // MARK: Foundation stand-ins

    static let textTokens = ["$", "$$", "{", "{{", "[[", "$[[", "}", "a", "vars.", ".", ";", "\r\n", "\n", " ",
                             "é", "e\u{301}", "\u{301}", "\u{37E}", "CI_", "\u{0}", "🙂"]

    @Test func includesAndReplacingMatchFoundation() {
        let needles = ["$", "${{", "$$", "$[[", ";", "CI_", "vars.", "\n", "\n./", "\u{0}", "e", ""]
        var rng = SplitMix64(seed: 42)
        for _ in 0..<3000 {
            let text = (0..<Int.random(in: 0...8, using: &rng)).map { _ in Self.textTokens.randomElement(using: &rng)! }.joined()
            for n in needles {
                #expect(GitHubWriting.includes(text, n) == text.contains(n), "\(text.debugDescription) ∋ \(n.debugDescription)")
                #expect(GitHubWriting.includes(Substring(text), n) == text.contains(n))
                #expect(GitHubWriting.replacing(n, with: "<>", in: text) == text.replacingOccurrences(of: n, with: "<>"),
                        "\(text.debugDescription) − \(n.debugDescription)")
            }
        }
    }

    @Test func trimmingSplittingAndPrefixesMatchTheStandardLibrary() {
        let tokens = [" ", "\t", "\n", "a", ".", "[", "0]", "\u{A0}", "é", "\u{301}", "job", ":", "\r\n"]
        var rng = SplitMix64(seed: 3)
        for _ in 0..<3000 {
            let text = (0..<Int.random(in: 0...7, using: &rng)).map { _ in tokens.randomElement(using: &rng)! }.joined()
            #expect(GitHubWriting.trimmingWhitespace(text) == text.trimmingCharacters(in: .whitespaces), "\(text.debugDescription)")
            for sep: Character in [".", "["] {
                #expect(GitHubWriting.firstPart(of: text, sep) == text.split(separator: sep).first.map(String.init),
                        "\(text.debugDescription) / \(sep)")
            }
            let id = (0..<Int.random(in: 0...3, using: &rng)).map { _ in tokens.randomElement(using: &rng)! }.joined()
            let old = text == id || text.hasPrefix(id + ".") || text.hasPrefix(id + "[")
            #expect(GitHubWriting.isConstruct(text, under: id) == old, "\(text.debugDescription) under \(id.debugDescription)")
        }
        #expect(GitHubWriting.isConstruct("build:linux.script[0]", under: "build:linux"))
        #expect(!GitHubWriting.isConstruct("build:linux.script[0]", under: "build"))
    }

    // MARK: variable references

    @Test func referencesMatchTheScalarReading() {
        let tokens = ["$", "$$", "${", "}", "A", "CI_JOB", "1", "_", " ", "é", "\u{301}", "x", "{", "-", "🙂"]
        var rng = SplitMix64(seed: 99)
        for _ in 0..<3000 {
            let text = (0..<Int.random(in: 0...8, using: &rng)).map { _ in tokens.randomElement(using: &rng)! }.joined()
            let old = Self.oldReferences(in: text)
            #expect(PredefinedVariable.references(in: text) == old, "\(text.debugDescription)")
            #expect(PredefinedVariable.hasReferences(in: text) == !old.isEmpty, "\(text.debugDescription)")
            var newCalls: [String] = []
            var oldCalls: [String] = []
            let replaced = PredefinedVariable.substitute(text) { name in
                newCalls.append(name)
                return name.hasPrefix("A") || name == "_" ? "<\(name)>" : nil
            }
            let expected = Self.oldSubstitute(text) { name in
                oldCalls.append(name)
                return name.hasPrefix("A") || name == "_" ? "<\(name)>" : nil
            }
            #expect(replaced == expected, "\(text.debugDescription)")
            #expect(newCalls == oldCalls, "\(text.debugDescription)")
        }
        #expect(PredefinedVariable.references(in: "$A ${B} $1 $$C ${A}") == ["A", "B", "C"])
    }

    /// `PredefinedVariable.references(in:)` as it read unicode scalars before.
    static func oldReferences(in text: String) -> [String] {
        var out: [String] = []
        let chars = Array(text.unicodeScalars)
        var i = 0
        while i < chars.count {
            if chars[i] == "$", i + 1 < chars.count {
                var j = i + 1
                let braced = chars[j] == "{"
                if braced { j += 1 }
                var name = ""
                while j < chars.count, chars[j] == "_" || (chars[j].isASCII && CharacterSet.alphanumerics.contains(chars[j])) {
                    name.unicodeScalars.append(chars[j])
                    j += 1
                }
                if !name.isEmpty, !(name.first?.isNumber ?? true), !out.contains(name) { out.append(name) }
                i = max(j, i + 1)
            } else {
                i += 1
            }
        }
        return out
    }

    /// `PredefinedVariable.substitute` as it read unicode scalars before.
    static func oldSubstitute(_ text: String, _ replacement: (String) -> String?) -> String {
        var out = ""
        let chars = Array(text.unicodeScalars)
        var i = 0
        while i < chars.count {
            if chars[i] == "$", i + 1 < chars.count, chars[i + 1] != "$" {
                var j = i + 1
                let braced = chars[j] == "{"
                if braced { j += 1 }
                var name = ""
                while j < chars.count, chars[j] == "_" || (chars[j].isASCII && CharacterSet.alphanumerics.contains(chars[j])) {
                    name.unicodeScalars.append(chars[j])
                    j += 1
                }
                let closed = !braced || (j < chars.count && chars[j] == "}")
                if !name.isEmpty, closed, let r = replacement(name) {
                    out += r
                    i = braced ? j + 1 : j
                    continue
                }
                out.unicodeScalars.append(chars[i])
                i += 1
            } else if chars[i] == "$", i + 1 < chars.count {
                out += "$$"
                i += 2
            } else {
                out.unicodeScalars.append(chars[i])
                i += 1
            }
        }
        return out
    }
}

extension GitHubWriterScanningTests {
    /// `jobID` as it was written with `CharacterSet` and `replacingOccurrences` (the oracle).
    static func jobIDByCharacterSet(_ name: String, used: Set<String>) -> String {
        var s = ""
        for u in name.unicodeScalars {
            if u.isASCII, CharacterSet.alphanumerics.contains(u) || u == "_" || u == "-" { s.unicodeScalars.append(u) } else { s += "-" }
        }
        while s.contains("--") { s = s.replacingOccurrences(of: "--", with: "-") }
        s = s.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        if s.isEmpty { s = "job" }
        if let f = s.unicodeScalars.first, !(CharacterSet.letters.contains(f) || f == "_") { s = "job-" + s }
        var candidate = s
        var n = 2
        while used.contains(candidate) {
            candidate = "\(s)-\(n)"
            n += 1
        }
        return candidate
    }

    static func unitedNames(_ lines: [String]) -> Set<String>? {
        GitHubWriting.runsSplitAtSafeLines(lines)?.reduce(into: Set<String>()) {
            $0.formUnion(GitHubWriting.shellAssignedNames(in: $1.joined(separator: "\n")))
        }
    }

    /// Each run's names together are the joined script's.
    @Test func shellNamesOfRunsUniteAsTheJoinedScriptsDo() {
        let tokens = ["export", "local", "readonly", "declare", "read", "for", "in", "do", " ", "  ", "\t", "\n", "\r", "\u{0B}",
                      "-", "-x", "-r", "A", "b", "_c", "x1", "=", ";", "&", "|", "(", "`", "\"", "'", "$", "{", "}", ")", "]",
                      "ab=", "-ab=", "#", "X=1", "fi", "done", "\u{E9}"]
        var rng = SplitMix64(seed: 99)
        var split = 0
        for _ in 0..<6000 {
            let lines = (0..<Int.random(in: 2...4, using: &rng)).map { _ in
                (0..<Int.random(in: 0...8, using: &rng)).map { _ in tokens.randomElement(using: &rng)! }.joined()
            }
            guard let united = Self.unitedNames(lines) else { continue }
            if (GitHubWriting.runsSplitAtSafeLines(lines)?.count ?? 0) > 1 { split += 1 }
            let joined = Set(GitHubWriting.shellAssignedNames(in: lines.joined(separator: "\n")))
            #expect(united == joined, "\(lines.map(\.debugDescription))")
        }
        #expect(split > 1000)
        // Lines that end in a word, a separator or blanks only stay with the next line.
        #expect(GitHubWriting.runsSplitAtSafeLines(["export", "X=1"])?.count == 1)
        #expect(GitHubWriting.runsSplitAtSafeLines(["echo a;", "X=1"])?.count == 1)
        #expect(GitHubWriting.runsSplitAtSafeLines(["  ", "X=1"])?.count == 1)
        #expect(GitHubWriting.runsSplitAtSafeLines(["f() { :; }\n\n", "X=1", "Y=2"])?.count == 2)
        #expect(GitHubWriting.runsSplitAtSafeLines(["caf\u{E9}=1", "X=1"]) == nil)
    }

    @Test func partsMatchSplit() {
        let tokens = ["a", "/", "//", ":", "-", "docker", "é", "\u{301}", " ", ""]
        var rng = SplitMix64(seed: 5)
        for _ in 0..<3000 {
            let text = (0..<Int.random(in: 0...6, using: &rng)).map { _ in tokens.randomElement(using: &rng)! }.joined()
            for sep: Character in ["/", ":", "-"] {
                #expect(GitHubWriting.lastPart(of: text, sep) == text.split(separator: sep).last.map(String.init), "\(text.debugDescription)")
                #expect(GitHubWriting.firstPart(of: text, sep) == text.split(separator: sep).first.map(String.init), "\(text.debugDescription)")
            }
        }
    }

    @Test func varsAndTrimmingMatchTheCharacterVersions() {
        let tokens = ["vars.", "vars.X", "vars.a_b1", "xvars.Y", ".vars.Z", "'", " ", "\t", "\n", "\r\n", "\u{0B}", "&&", "||",
                      "(", ")", "_", "9", "é", "\u{A0}", "vars", "."]
        var rng = SplitMix64(seed: 17)
        for _ in 0..<4000 {
            let text = (0..<Int.random(in: 0...8, using: &rng)).map { _ in tokens.randomElement(using: &rng)! }.joined()
            let f: (String) -> String? = { $0 == "Y" ? nil : "<\($0)>" }
            #expect(GitHubWriting.replacingVars(in: text, f) == GitHubWriting.replacingVarsByCharacters(in: text, f), "\(text.debugDescription)")
            #expect(text.trimmingWhitespace == text.trimmingWhitespaceByCharacters, "\(text.debugDescription)")
        }
    }

    @Test func workflowNamesAsNSStringNamesThem() {
        func byNSString(_ file: String) -> String {
            var base = (file as NSString).lastPathComponent
            for suffix in [".gitlab-ci.yml", ".gitlab-ci.yaml", ".yml", ".yaml"] where base.hasSuffix(suffix) {
                base = String(base.dropLast(suffix.count))
                break
            }
            if base.isEmpty || base == ".gitlab-ci" || base == "-" { return "CI" }
            return base
        }
        for f in ["", "/", "//", "a", "a/b", "a/b/", "/a/b.yml", "x//y", "./.gitlab-ci.yml", "-", "a/-", "dir/", "/x/", "ci/Auto-DevOps.gitlab-ci.yml",
                  "t.yaml", "é/ü.yml", "a.gitlab-ci.yaml", "///x.yml//"] {
            #expect(GitHubWriting.workflowName(f) == byNSString(f), "\(f.debugDescription)")
        }
    }

    @Test func jobIDsMatchTheCharacterSetVersion() {
        let fixed = ["test:unit", "build image", "", "-", "---", "_x", "9lives", "a--b", "-lead", "trail-", "café", "日本",
                     "rollout 10%", "x\ty", "A_b-C", "job", "über-job", ".hidden", "a::b::c"]
        let tokens = ["a", "Z", "0", "9", "_", "-", " ", ":", ".", "%", "é", "日", "🚀", "\t", "\u{212A}", "--"]
        var rng = SplitMix64(seed: 11)
        var names = fixed
        for _ in 0..<3000 {
            names.append((0..<Int.random(in: 0...8, using: &rng)).map { _ in tokens.randomElement(using: &rng)! }.joined())
        }
        for name in names {
            for used in [Set<String>(), ["job", "a", "test-unit", "job-9lives"]] {
                #expect(GitHubWriting.jobID(name, used: used) == Self.jobIDByCharacterSet(name, used: used), "\(name.debugDescription)")
            }
        }
    }
}

