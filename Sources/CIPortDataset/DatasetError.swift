import CIPortCore

/// A problem with one dataset record, named by file and line like a compiler's error.
public struct RecordError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String

    public init(file: String, line: Int, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { "\(file):\(line): error: \(message)" }
}

/// A file-level failure of a dataset command (missing input, unwritable output).
public struct DatasetError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case missingInput, cannotWrite, badInput }
    public var kind: Kind
    public var description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
