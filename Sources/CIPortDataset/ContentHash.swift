import CIPortCore

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

    /// The digest, fed line by line from the UTF-8 bytes without building the normalized text
    /// (`validate` hashes every record; this is its cheap path). Same bytes as `normalize`.
    public static func digest(source: String, target: String) -> [UInt8] {
        var h = SHA256()
        var first = true
        func feed(_ text: String) {
            var text = text
            text.withUTF8 { buf in
                var start = 0
                while start <= buf.count {
                    var end = start
                    while end < buf.count && buf[end] != 0x0A { end += 1 }
                    var last = end
                    while last > start, buf[last - 1] == 0x20 || buf[last - 1] == 0x09 || buf[last - 1] == 0x0D { last -= 1 }
                    if last > start {
                        if !first { h.update(byte: 0x0A) }
                        first = false
                        h.update(UnsafeBufferPointer(rebasing: buf[start..<last]))
                    }
                    start = end + 1
                }
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
