import Foundation

/// An LLM judge through an OpenAI-compatible endpoint, with the written rubric (judge-rubric.md, or a
/// file given by the user). Position bias is real in LLM judges, so each case is asked twice: once with
/// the candidate as answer B and the reference as A, once the other way round; the candidate's score is
/// the mean of its two grades, mapped from 1…5 to 0…1.
public struct Judge: Sendable {
    public let client: ChatClient
    public let rubric: String

    public init(client: ChatClient, rubric: String) {
        self.client = client
        self.rubric = rubric
    }

    /// The rubric bundled with ciport.
    public static func bundledRubric() -> String {
        guard let url = Bundle.module.url(forResource: "judge-rubric", withExtension: "md"),
              let text = try? String(contentsOf: url, encoding: .utf8) else { return "" }
        return text
    }

    struct Verdict: Decodable {
        var a: Double
        var b: Double
    }

    /// The candidate's grade in 0…1, or nil when neither order gave a readable verdict.
    public func grade(source: String, candidate: String, reference: String) async -> Double? {
        async let first = ask(source: source, a: reference, b: candidate)
        async let second = ask(source: source, a: candidate, b: reference)
        let grades = [await first.map(\.b), await second.map(\.a)].compactMap { $0 }
        guard !grades.isEmpty else { return nil }
        let mean = grades.reduce(0, +) / Double(grades.count)
        return min(1, max(0, (mean - 1) / 4))
    }

    func ask(source: String, a: String, b: String) async -> Verdict? {
        let user = """
        SOURCE:
        \(Fence.wrap(source))

        ANSWER A:
        \(Fence.wrap(a))

        ANSWER B:
        \(Fence.wrap(b))
        """
        var attempts = 0
        guard case .success(let reply) = await client.complete(
            [ChatMessage(role: "system", content: rubric), ChatMessage(role: "user", content: user)], attempts: &attempts)
        else { return nil }
        return Self.parse(reply)
    }

    /// The verdict object in a reply, tolerating prose or a fence around it.
    static func parse(_ reply: String) -> Verdict? {
        guard let open = reply.firstIndex(of: "{"), let close = reply.lastIndex(of: "}"), open < close else { return nil }
        guard let v = try? JSONDecoder().decode(Verdict.self, from: Data(reply[open...close].utf8)),
              (1...5).contains(v.a), (1...5).contains(v.b) else { return nil }
        return v
    }
}
