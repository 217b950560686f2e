/// An error in a user's input, printed like a compiler's: `file:line:col: error: message`.
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    public var pos: SourcePos
    public var message: String

    public init(_ pos: SourcePos, _ message: String) {
        self.pos = pos
        self.message = message
    }

    public var description: String { "\(pos): error: \(message)" }
}
