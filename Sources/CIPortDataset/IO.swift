import Foundation

/// An output file written through a temporary file in the same folder and renamed into place on
/// `commit()`, so a crash or a failure never leaves a half-written dataset behind. Lines are
/// buffered and flushed in blocks: a 100,000-record file never sits in memory.
///
/// CIPortCLI's `FileIO.writeAtomically` does the same for a whole string; this one streams, and it
/// lives here because the dataset library writes files and must not depend on the CLI.
public final class AtomicOutput {
    public let path: String
    private let tmp: URL
    private let handle: FileHandle
    private var buffer = Data()
    private var done = false

    public init(path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            tmp = dir.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UUID().uuidString.prefix(8)).tmp")
            guard FileManager.default.createFile(atPath: tmp.path, contents: nil) else {
                throw DatasetError(.cannotWrite, "\(path): error: cannot create a file in \(dir.path)")
            }
            handle = try FileHandle(forWritingTo: tmp)
        } catch let e as DatasetError {
            throw e
        } catch {
            throw DatasetError(.cannotWrite, "\(path): error: cannot write: \(error.localizedDescription)")
        }
    }

    deinit {
        // Never committed (an error was thrown): leave nothing behind.
        if !done {
            try? handle.close()
            try? FileManager.default.removeItem(at: tmp)
        }
    }

    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 20 { try flush() }
    }

    public func writeLine(_ line: String) throws {
        try write(line)
        try write("\n")
    }

    private func flush() throws {
        do { try handle.write(contentsOf: buffer) } catch {
            throw DatasetError(.cannotWrite, "\(path): error: cannot write: \(error.localizedDescription)")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs and renames the file into place.
    public func commit() throws {
        try flush()
        done = true
        do {
            try handle.synchronize()
            try handle.close()
            // rename(2) replaces an existing file atomically. (Foundation's replaceItemAt on Linux
            // fails on a plain file and has been seen to remove the original.)
            if rename(tmp.path, path) != 0 {
                throw DatasetError(.cannotWrite, "\(path): error: cannot write: \(String(cString: strerror(errno)))")
            }
        } catch let e as DatasetError {
            try? FileManager.default.removeItem(at: tmp)
            throw e
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw DatasetError(.cannotWrite, "\(path): error: cannot write: \(error.localizedDescription)")
        }
    }

    /// Writes `text` to `path` atomically.
    public static func write(_ text: String, to path: String) throws {
        let out = try AtomicOutput(path: path)
        try out.write(text)
        try out.commit()
    }
}

/// Reads a JSONL file line by line in 1 MB chunks, so memory stays bounded by the longest line,
/// not the file. A line longer than `maxLineBytes` is reported and skipped, not buffered.
public struct JSONLReader: Sequence {
    public struct Line: Sendable {
        /// 1-based line number.
        public var number: Int
        public var bytes: Data
        /// Set when the line was longer than the limit; `bytes` is then empty.
        public var oversized: Int?
    }

    public let path: String
    public var chunkSize = 1 << 20
    public var maxLineBytes = 16 << 20

    public init(path: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw DatasetError(.missingInput, "\(path): error: no such file or directory")
        }
        if isDir.boolValue { throw DatasetError(.badInput, "\(path): error: is a directory") }
        self.path = path
    }

    public func makeIterator() -> Iterator { Iterator(reader: self) }

    public struct Iterator: IteratorProtocol {
        let reader: JSONLReader
        let handle: FileHandle?
        /// Bytes read but not yet returned start at `start`. A plain byte array scanned with
        /// `memchr`: indexing `Data` byte by byte went through an exclusivity check per byte and
        /// made this loop an eighth of `validate`'s CPU time.
        var pending: [UInt8] = []
        var start = 0
        var eof = false
        var lineNo = 0
        var skippingOversized: Int?

        init(reader: JSONLReader) {
            self.reader = reader
            handle = FileHandle(forReadingAtPath: reader.path)
        }

        public mutating func next() -> Line? {
            guard let handle else { return nil }
            while true {
                let from = start
                let found = pending.withUnsafeBufferPointer { buf -> Int? in
                    guard from < buf.count, let base = buf.baseAddress,
                          let hit = memchr(base + from, 0x0A, buf.count - from) else { return nil }
                    return UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base
                }
                if let nl = found {
                    let lineStart = start
                    start = nl + 1
                    lineNo += 1
                    if let skipped = skippingOversized {
                        skippingOversized = nil
                        return Line(number: lineNo, bytes: Data(), oversized: skipped + (nl - lineStart))
                    }
                    var end = nl
                    if end > lineStart && pending[end - 1] == 0x0D { end -= 1 }
                    return Line(number: lineNo, bytes: bytes(lineStart, end), oversized: nil)
                }
                // No newline in what is buffered: drop consumed bytes, read more.
                let rest = pending.count - start
                if rest > reader.maxLineBytes {
                    skippingOversized = (skippingOversized ?? 0) + rest
                    pending.removeAll(keepingCapacity: true)
                    start = 0
                } else if start > 0 {
                    pending.removeSubrange(0..<start)
                    start = 0
                }
                if eof {
                    guard !pending.isEmpty || skippingOversized != nil else { return nil }
                    lineNo += 1
                    defer { pending.removeAll(); skippingOversized = nil }
                    if let skipped = skippingOversized { return Line(number: lineNo, bytes: Data(), oversized: skipped + pending.count) }
                    return Line(number: lineNo, bytes: bytes(0, pending.count), oversized: nil)
                }
                let chunk = (try? handle.read(upToCount: reader.chunkSize)) ?? nil
                if let chunk, !chunk.isEmpty {
                    chunk.withUnsafeBytes { pending.append(contentsOf: $0.bindMemory(to: UInt8.self)) }
                } else {
                    eof = true
                }
            }
        }

        private func bytes(_ from: Int, _ to: Int) -> Data {
            pending.withUnsafeBufferPointer { Data(buffer: UnsafeBufferPointer(rebasing: $0[from..<to])) }
        }
    }

    /// Every `*.jsonl` file under the given files and directories, sorted within each directory.
    public static func files(_ paths: [String]) throws -> [String] {
        var out: [String] = []
        for p in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else {
                throw DatasetError(.missingInput, "\(p): error: no such file or directory")
            }
            if !isDir.boolValue { out.append(p); continue }
            let e = FileManager.default.enumerator(atPath: p)
            var found: [String] = []
            while let rel = e?.nextObject() as? String {
                if rel.hasSuffix(".jsonl") { found.append((p as NSString).appendingPathComponent(rel)) }
            }
            out += found.sorted()
        }
        return out
    }
}
