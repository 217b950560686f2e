import CIPortCore
import Foundation

/// Registry-side helpers over the core's SHA-256: byte strings and files (read in chunks).
extension SHA256 {
    static func hex(_ bytes: [UInt8]) -> String { hexString(bytes) }

    /// Hex digest of a byte string.
    static func hex(of data: some Collection<UInt8>) -> String {
        var s = SHA256()
        s.update(data)
        return hex(s.finalize())
    }

    /// Hex digest and size of a file, read in 1 MiB chunks so that multi-GB weights fit in memory.
    static func file(_ path: String) throws -> (sha256: String, size: Int64) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RegistryError.io("\(path): cannot read the file")
        }
        defer { try? handle.close() }
        var s = SHA256()
        var size: Int64 = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            s.update(chunk)
            size += Int64(chunk.count)
        }
        return (hex(s.finalize()), size)
    }
}
