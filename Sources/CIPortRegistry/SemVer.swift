/// A semantic version `MAJOR.MINOR.PATCH` (pre-release and build suffixes are not used for models).
public struct SemVer: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Bump: String, Sendable, CaseIterable { case major, minor, patch }

    public var major: Int, minor: Int, patch: Int

    public init(_ major: Int, _ minor: Int, _ patch: Int) {
        self.major = major; self.minor = minor; self.patch = patch
    }

    /// Parses `1.2.3` (a leading `v` is accepted); nil for anything else.
    public init?(_ text: String) {
        let t = text.hasPrefix("v") ? text.dropFirst() : Substring(text)
        let parts = t.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var nums: [Int] = []
        for p in parts {
            // No leading zeros, no signs: semver.org §2.
            guard !p.isEmpty, p.allSatisfy(\.isASCII), p.allSatisfy(\.isNumber), p == "0" || !p.hasPrefix("0"),
                  let n = Int(p) else { return nil }
            nums.append(n)
        }
        self.init(nums[0], nums[1], nums[2])
    }

    public func bumped(_ b: Bump) -> SemVer {
        switch b {
        case .major: SemVer(major + 1, 0, 0)
        case .minor: SemVer(major, minor + 1, 0)
        case .patch: SemVer(major, minor, patch + 1)
        }
    }

    public var description: String { "\(major).\(minor).\(patch)" }

    public static func < (a: SemVer, b: SemVer) -> Bool {
        (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
    }
}
