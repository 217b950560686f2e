import CYaml
import Foundation

/// Limits that keep hostile input cheap: every limit fails with a positioned error, never a crash.
public struct YAMLLimits: Sendable {
    /// Largest file read. GitLab itself refuses CI configuration over 4 MB.
    public var maxBytes: Int = 4 * 1024 * 1024
    /// Most nodes after alias expansion (a billion-laughs file stops here).
    public var maxNodes: Int = 200_000
    /// Deepest nesting of collections.
    public var maxDepth: Int = 200

    public init() {}
    public static let `default` = YAMLLimits()
}

/// Reads YAML text into `YNode`s with positions, within `YAMLLimits`.
public enum YAMLLoader {
    /// Parses one YAML document. An empty document gives nil.
    ///
    /// Builds `YNode`s straight from libyaml's events (Yams' C core): no intermediate node tree,
    /// no tag resolution, a string-keyed duplicate check. Aliases are expanded by sharing the
    /// anchored value and charging its node count to the budget, so a "billion laughs" file
    /// fails at the first alias that would cross `limits.maxNodes`.
    public static func load(_ text: String, file: String, limits: YAMLLimits = .default) throws(InputError) -> YNode? {
        try load(text, file: file, limits: limits, handOff: true)
    }

    /// `handOff: false` makes libyaml's reader decode the text itself (tests compare both ways).
    static func load(_ text: String, file: String, limits: YAMLLimits, handOff: Bool) throws(InputError) -> YNode? {
        if text.utf8.count > limits.maxBytes {
            throw InputError(SourcePos(file: file, line: 1, column: 1),
                             "file is \(formatBytes(text.utf8.count)), over the \(formatBytes(limits.maxBytes)) limit for a CI file")
        }
        var text = text
        let result: Result<YNode?, InputError> = text.withUTF8 { buf in
            var composer = EventComposer(file: file, limits: limits)
            defer { composer.close() }
            do throws(InputError) {
                return .success(try composer.document(buf, handOff: handOff))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Decodes bytes as UTF-8, naming the first bad byte's line and column when it is not.
    public static func decode(_ data: Data, file: String) throws(InputError) -> String {
        if let s = String(data: data, encoding: .utf8), !data.starts(with: [0xFF, 0xFE]), !data.starts(with: [0xFE, 0xFF]) {
            return s.hasPrefix("\u{FEFF}") ? String(s.dropFirst()) : s
        }
        var line = 1, column = 1, i = 0
        let bytes = [UInt8](data)
        while i < bytes.count {
            let b = bytes[i]
            let len: Int
            switch b {
            case 0x00...0x7F: len = 1
            case 0xC2...0xDF: len = 2
            case 0xE0...0xEF: len = 3
            case 0xF0...0xF4: len = 4
            default: len = 0
            }
            var ok = len > 0 && i + len <= bytes.count
            if ok { for k in 1..<max(len, 1) where bytes[i + k] & 0xC0 != 0x80 { ok = false } }
            if !ok {
                throw InputError(SourcePos(file: file, line: line, column: column),
                                 String(format: "not UTF-8 text (byte 0x%02X at offset %d)", b, i))
            }
            if b == 0x0A { line += 1; column = 1 } else { column += 1 }
            i += len
        }
        throw InputError(SourcePos(file: file, line: 1, column: 1), "not UTF-8 text (a UTF-16 byte-order mark)")
    }

    static func formatBytes(_ n: Int) -> String {
        if n >= 1024 * 1024 { return String(format: "%.1f MB", Double(n) / 1_048_576) }
        if n >= 1024 { return String(format: "%.1f KB", Double(n) / 1024) }
        return "\(n) bytes"
    }
}
