import CIPortCore
import Foundation

/// The content hash of a pair: SHA-256 over the normalized source, a separator and the normalized
/// target. Normalizing (LF line ends, trailing blanks and blank lines dropped) makes a pair that
/// differs only in whitespace an exact duplicate.
public enum ContentHash {
    public static func normalize(_ text: String) -> String {
        var lines: [Substring] = []
        // "\r\n" is one Character in Swift, so it is a separator of its own.
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            var line = raw
            while let last = line.last, last == " " || last == "\t" || last == "\r" { line = line.dropLast() }
            if !line.isEmpty { lines.append(line) }
        }
        return lines.joined(separator: "\n")
    }

    public static func of(source: String, target: String) -> String {
        SHA256.hexString(digest(source: source, target: target))
    }

    /// The digest, fed from the UTF-8 bytes without building the normalized text
    /// (`validate` hashes every record; this is its cheap path). Same bytes as `normalize`.
    public static func digest(source: String, target: String) -> [UInt8] {
        var h = SHA256()
        var first = true
        func feed(_ text: String) {
            var text = text
            text.withUTF8 { buf in
                guard let base = buf.baseAddress else { return }
                // Lines that keep all their bytes follow each other in the text with their "\n"
                // between them: such a run goes to the hash in one update, not line by line.
                var runStart = 0, runEnd = -1
                func flush() {
                    if runEnd >= 0 { h.update(UnsafeBufferPointer(rebasing: buf[runStart..<runEnd])) }
                    runEnd = -1
                }
                var start = 0
                while start <= buf.count {
                    var end = buf.count
                    if start < buf.count, let hit = memchr(base + start, 0x0A, buf.count - start) {
                        end = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
                    }
                    var last = end
                    while last > start, buf[last - 1] == 0x20 || buf[last - 1] == 0x09 || buf[last - 1] == 0x0D { last -= 1 }
                    if last > start {
                        if !first && runEnd == start - 1 {
                            runEnd = last  // the "\n" before this line is at runEnd
                        } else {
                            flush()
                            if !first { h.update(byte: 0x0A) }
                            runStart = start
                            runEnd = last
                        }
                        first = false
                    }
                    start = end + 1
                }
                flush()
            }
        }
        feed(source)
        h.update(byte: 0x0A)
        h.update(byte: 0x00)
        h.update(byte: 0x0A)
        first = true
        feed(target)
        return h.finalize()
    }
}
