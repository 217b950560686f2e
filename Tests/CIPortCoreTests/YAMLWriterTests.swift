import Testing
@testable import CIPortCore

struct YAMLWriterTests {
    @Test(arguments: [
        "plain", "on", "yes", "3.10", "1e3", "0x1F", "- item", "a: b", "x #y", "*alias", "!tag", "", " lead", "trail ",
        "multi\nline\n", "multi\nline", "two trailing\n\n", "  indented first\nline\n", "it's", "quote\"d", "tab\there",
        "${{ github.ref }}", "$CI_COMMIT_SHA", "2024-01-01", "~", "@scope/pkg", "%s", "`cmd`", "a\r\nb", "ctrl\u{07}",
        "key:", "- ", "---", "-1", "./build.sh", "null", "=", "<<",
    ])
    func scalarsReadBackUnchanged(_ s: String) throws {
        let text = YAMLWriter.write(.map([YOutEntry("k", .string(s)), YOutEntry(s.isEmpty ? "e" : s, .string("v"))]))
        let node = try #require(try YAMLLoader.load(text, file: "t.yml"))
        let m = try #require(node.mapping)
        #expect(m["k"]?.string == s, "\(text)")
        #expect(m.pairs.count == 2)
        #expect(m.pairs[1].key.value == (s.isEmpty ? "e" : s), "\(text)")
        // A scalar that needs quoting must not come back as a YAML 1.1 bool/number/null when read plain.
        if let scalar = m["k"]?.scalar, scalar.style == .plain {
            #expect(scalar.bool == nil && !scalar.isNull && Double(scalar.value) == nil, "\(text)")
        }
    }

    @Test func nestedStructuresAndComments() throws {
        let doc = YOut.map([
            YOutEntry("jobs", .map([
                YOutEntry("build", .map([
                    YOutEntry("script", .strings(["make", "make test"]), comments: ["ciport: needs review"]),
                    YOutEntry("matrix", .seq([YOutItem(.map([YOutEntry("A", .strings(["1", "2"]), comments: ["first"])]))])),
                    YOutEntry("empty", .map([])),
                    YOutEntry("nested", .seq([YOutItem(.seq([YOutItem(.string("x"))]))])),
                ])),
            ])),
        ])
        let text = YAMLWriter.write(doc, header: ["header"])
        #expect(text.contains("# ciport: needs review\n    script:"))
        let node = try #require(try YAMLLoader.load(text, file: "t.yml"))
        let build = try #require(node.mapping?["jobs"]?.mapping?["build"]?.mapping)
        #expect(build["script"]?.strings == ["make", "make test"])
        #expect(build["matrix"]?.sequence?.items.first?.mapping?["A"]?.strings == ["1", "2"])
        #expect(build["empty"]?.mapping?.pairs.isEmpty == true)
        #expect(build["nested"]?.sequence?.items.first?.sequence?.items.first?.string == "x")
    }
}
