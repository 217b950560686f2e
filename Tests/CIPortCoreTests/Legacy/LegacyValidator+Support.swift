import Foundation
@testable import CIPortCore

/// Small, allocation-light helpers shared by both platforms' checks. Everything here is linear in
/// its input (bar the edit distance, which only runs on a key already known to be wrong).
enum LegacyValidationSupport {
    /// The closest candidate to a misspelt `word`, when it is close enough to be what the user meant.
    /// `budget` counts candidates compared, so a file full of bad names stays linear overall.
    static func suggestion<C: Collection<String>>(for word: String, among candidates: C, budget: inout Int) -> String? {
        let w = Array(word.lowercased().unicodeScalars)
        guard !w.isEmpty, w.count <= 64, budget > 0 else { return nil }
        // One edit per three characters, at most three: "scirpt" → "script", but "foo" ↛ "tags".
        let limit = min(3, max(1, w.count / 3))
        var best: (String, Int)?
        for c in candidates {
            budget -= 1
            if budget < 0 { break }
            let cu = c.unicodeScalars.count
            if abs(cu - w.count) > limit { continue }
            let d = editDistance(w, Array(c.lowercased().unicodeScalars), limit: limit)
            if d <= limit, d < (best?.1 ?? Int.max) { best = (c, d) }
        }
        if let best { return best.0 }
        // A truncated word ("open" for "opened") is further than the limit but plainly meant.
        guard w.count >= 3, candidates.count <= 1000 else { return nil }
        return candidates.first { $0.lowercased().hasPrefix(word.lowercased()) }
    }

    static func suggestion<C: Collection<String>>(for word: String, among candidates: C) -> String? {
        var budget = Int.max
        return suggestion(for: word, among: candidates, budget: &budget)
    }

    /// " (did you mean 'x'?)" or nothing.
    static func didYouMean<C: Collection<String>>(_ word: String, among candidates: C) -> String {
        suggestion(for: word, among: candidates).map { " (did you mean '\($0)'?)" } ?? ""
    }

    /// Optimal-string-alignment distance: Levenshtein plus adjacent transpositions, the commonest typo.
    /// Stops early, returning a value over `limit`, once no alignment can come back under it.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], limit: Int = .max) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev2 = [Int](repeating: 0, count: b.count + 1)
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { v = min(v, prev2[j - 2] + 1) }
                cur[j] = v
            }
            if cur.min()! > limit, i > 1 { return limit + 1 }
            (prev2, prev, cur) = (prev, cur, prev2)
        }
        return prev[b.count]
    }

    /// Whether `s` matches `^[A-Za-z_][A-Za-z0-9_-]*$` (GitHub job and step ids), without a regex.
    static func isIdentifier(_ s: String) -> Bool {
        var first = true
        for u in s.utf8 {
            let letter = (u >= 65 && u <= 90) || (u >= 97 && u <= 122) || u == 95
            let rest = (u >= 48 && u <= 57) || u == 45
            if first { if !letter { return false } } else if !(letter || rest) { return false }
            first = false
        }
        return !first
    }

    /// Whether a string holds a GitHub expression.
    static func hasExpression(_ s: String) -> Bool { contains(s, "${{") }

    /// Whether a GitLab value holds a component input (`$[[ inputs.x ]]`), known only when included.
    static func hasInput(_ s: String) -> Bool { contains(s, "$[[") }

    /// Substring test on UTF-8 bytes (memchr finds the candidates). `String.contains(String)`
    /// goes through Foundation's `range(of:)` on Linux, which cost a third of the validator's time.
    static func contains(_ s: String, _ needle: StaticString) -> Bool {
        if needle.utf8CodeUnitCount == 0 { return true }
        return FastText.withBytes(s) { FastText.find(needle, in: $0) != nil }
    }

    /// The problem with the `${{ … }}` expressions in `s`, or nil when every one is closed.
    /// Single-quoted string literals inside an expression may contain `}}` (GitHub's own parser
    /// reads them that way), so they are skipped.
    static func unbalancedExpression(_ s: String) -> String? {
        let u = Array(s.utf8)
        var i = 0
        let n = u.count
        while i + 2 < n {
            guard u[i] == 36, u[i + 1] == 123, u[i + 2] == 123 else { i += 1; continue } // "${{"
            var j = i + 3
            var closed = false
            while j < n {
                if u[j] == 39 { // a '…' literal; '' is an escaped quote inside it
                    j += 1
                    while j < n {
                        if u[j] == 39 {
                            if j + 1 < n, u[j + 1] == 39 { j += 2; continue }
                            break
                        }
                        j += 1
                    }
                    if j >= n { return "unterminated string literal in '${{ … }}' expression" }
                    j += 1
                    continue
                }
                if u[j] == 125, j + 1 < n, u[j + 1] == 125 { closed = true; break } // "}}"
                if u[j] == 36, j + 2 < n, u[j + 1] == 123, u[j + 2] == 123 { break } // a new "${{" first
                j += 1
            }
            if !closed { return "'${{' without a matching '}}'" }
            i = j + 2
        }
        return nil
    }
}

/// Cycles in a `needs` graph: for each back edge, its position and the cycle as job names
/// (`a → b → a`). An iterative depth-first search, since a generated file may chain thousands of jobs.
func legacyNeedsCycles(_ edges: [[(to: Int, pos: SourcePos)]], names: [String]) -> [(pos: SourcePos, cycle: String)] {
    var found: [(pos: SourcePos, cycle: String)] = []
    var color = [UInt8](repeating: 0, count: edges.count) // 0 new, 1 on the stack, 2 done
    for start in edges.indices where color[start] == 0 {
        var stack: [(node: Int, next: Int)] = [(start, 0)]
        color[start] = 1
        while let top = stack.last {
            if top.next < edges[top.node].count {
                stack[stack.count - 1].next += 1
                let e = edges[top.node][top.next]
                if color[e.to] == 0 {
                    color[e.to] = 1
                    stack.append((e.to, 0))
                } else if color[e.to] == 1 {
                    let from = stack.firstIndex { $0.node == e.to }!
                    found.append((e.pos, (stack[from...].map { names[$0.node] } + [names[e.to]]).joined(separator: " → ")))
                }
            } else {
                color[top.node] = 2
                stack.removeLast()
            }
        }
    }
    return found
}
