import Foundation

/// `dataset mine`: proposes migration pairs from a repository's history, the way the CIMig and
/// CIgrate studies mined Travis → GitHub Actions: a commit adds the first config of one CI system
/// while another system's config is deleted nearby (`removed`) or never touched again (`stale`).
/// The pairs are for a person to review, not for training as they are.
public enum DatasetMiner {
    public struct Options: Sendable {
        /// How far apart (in commits) an addition and a removal may be.
        public var windowCommits = 20
        /// … or in days.
        public var windowDays = 30
        public var license = "see source"
        public init() {}
    }

    struct Commit {
        var id: String
        var date: String
        var time: Int
        var changes: [(status: Character, path: String)]
    }

    /// The CI system a path configures, if any.
    public static func platform(of path: String) -> DatasetPlatform? {
        if path.hasPrefix(".github/workflows/"), path.hasSuffix(".yml") || path.hasSuffix(".yaml"),
           !path.dropFirst(".github/workflows/".count).contains("/") { return .github }
        switch path {
        case ".gitlab-ci.yml": return .gitlab
        case ".circleci/config.yml": return .circleci
        case ".travis.yml": return .travis
        case "Jenkinsfile": return .jenkins
        case "azure-pipelines.yml": return .azure
        case "bitbucket-pipelines.yml": return .bitbucket
        default: return nil
        }
    }

    public static func mine(repo: String, options: Options = Options()) throws -> [DatasetRecord] {
        let log = try git(repo, ["log", "--reverse", "--no-renames", "--name-status", "--format=%x1e%H%x1f%aI%x1f%ct"])
        var commits: [Commit] = []
        for block in log.split(separator: "\u{1e}") {
            let lines = block.split(separator: "\n", omittingEmptySubsequences: true)
            guard let head = lines.first else { continue }
            let f = head.split(separator: "\u{1f}", omittingEmptySubsequences: false)
            guard f.count == 3 else { continue }
            var changes: [(Character, String)] = []
            for l in lines.dropFirst() {
                let parts = l.split(separator: "\t", maxSplits: 1)
                guard parts.count == 2, let s = parts[0].first else { continue }
                changes.append((s, String(parts[1])))
            }
            commits.append(Commit(id: String(f[0]), date: String(f[1]), time: Int(f[2]) ?? 0, changes: changes))
        }

        // Per CI path: the commits that added, modified and deleted it.
        var added: [String: [Int]] = [:], modified: [String: [Int]] = [:], deleted: [String: [Int]] = [:]
        for (i, c) in commits.enumerated() {
            for (s, p) in c.changes where platform(of: p) != nil {
                switch s {
                case "A": added[p, default: []].append(i)
                case "D": deleted[p, default: []].append(i)
                default: modified[p, default: []].append(i)
                }
            }
        }
        func live(_ p: String, before i: Int) -> Bool {
            let a = added[p]?.last { $0 < i }, d = deleted[p]?.last { $0 < i }
            guard let a else { return false }
            return d == nil || d! < a
        }
        func near(_ i: Int, _ j: Int) -> Bool {
            abs(i - j) <= options.windowCommits || abs(commits[i].time - commits[j].time) <= options.windowDays * 86_400
        }

        var records: [DatasetRecord] = []
        let name = URL(fileURLWithPath: repo).standardizedFileURL.lastPathComponent
        let ciPaths = Set(added.keys)
        for (i, c) in commits.enumerated() {
            for (s, newPath) in c.changes where s == "A" {
                guard let newKind = platform(of: newPath) else { continue }
                // Only the arrival of a system: no file of its kind was live before.
                if ciPaths.contains(where: { platform(of: $0) == newKind && live($0, before: i) }) { continue }
                for oldPath in ciPaths.sorted() {
                    guard let oldKind = platform(of: oldPath), oldKind != newKind else { continue }
                    var relation: String?
                    var sourceRev: (commit: String, date: String)?
                    if let j = deleted[oldPath]?.first(where: { near(i, $0) }), j > 0, live(oldPath, before: j) {
                        relation = "removed"
                        // The last version: what the deleting commit's parent holds.
                        let prev = (modified[oldPath] ?? []).filter { $0 < j } + (added[oldPath] ?? []).filter { $0 < j }
                        let last = prev.max() ?? j - 1
                        sourceRev = (commits[last].id, commits[last].date)
                    } else if live(oldPath, before: i), !(deleted[oldPath] ?? []).contains(where: { $0 > i }),
                              !(modified[oldPath] ?? []).contains(where: { $0 > i }) {
                        relation = "stale"
                        let last = ((modified[oldPath] ?? []) + (added[oldPath] ?? [])).filter { $0 < i }.max()!
                        sourceRev = (commits[last].id, commits[last].date)
                    }
                    guard let relation, let sourceRev else { continue }
                    let oldText = try git(repo, ["show", "\(sourceRev.commit):\(oldPath)"])
                    let newText = try git(repo, ["show", "\(c.id):\(newPath)"])
                    let id = "mined-\(DatasetSynthesizer.slug(name))-\(c.id.prefix(10))-\(DatasetSynthesizer.slug(oldPath))-to-\(DatasetSynthesizer.slug(newPath))"
                    records.append(.make(
                        id: id, task: "platform",
                        source: .init(platform: oldKind, stack: StackGuess.guess(oldText)),
                        target: .init(platform: newKind, stack: StackGuess.guess(newText)),
                        sourceFile: oldText, targetFile: newText, provenance: "mined", license: options.license,
                        origin: .init(repo: repo, source: .init(path: oldPath, commit: sourceRev.commit, date: sourceRev.date),
                                      target: .init(path: newPath, commit: c.id, date: c.date), relation: relation)))
                }
            }
        }
        return records
    }

    /// Runs git and returns its standard output; a failure names the command and git's message.
    static func git(_ repo: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", repo] + args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch {
            throw DatasetError(.badInput, "\(repo): error: cannot run git: \(error.localizedDescription)")
        }
        // Drain stderr concurrently so a chatty git cannot fill its pipe and block.
        let errData = LockedData()
        let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while !errData.isSet { usleep(1000) }
        guard p.terminationStatus == 0 else {
            let msg = String(decoding: errData.get(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw DatasetError(.badInput, "\(repo): error: git \(args.first ?? "") failed: \(msg.split(separator: "\n").first ?? "")")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A byte buffer handed from the stderr-draining thread to the caller.
private final class LockedData: @unchecked Sendable {
    // Safe: every access goes through `lock`.
    private let lock = NSLock()
    private var data = Data()
    private var done = false
    func set(_ d: Data) { lock.lock(); data = d; done = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return done }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}
