import CIPortCore

/// One training record: a chat in the `messages` form that TRL's SFTTrainer, axolotl and
/// LLaMA-Factory read as is, plus ciport's metadata.
public struct DatasetRecord: Sendable, Codable, Equatable {
    public struct Message: Sendable, Codable, Equatable {
        public var role: String
        public var content: String
        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }
    }

    public var messages: [Message]
    public var meta: Meta

    public init(messages: [Message], meta: Meta) {
        self.messages = messages
        self.meta = meta
    }

    public struct Side: Sendable, Codable, Equatable {
        public var platform: Platform
        public var stack: String?
        public var cloud: String?
        public init(platform: Platform, stack: String? = nil, cloud: String? = nil) {
            self.platform = platform
            self.stack = stack
            self.cloud = cloud
        }
    }

    public struct Meta: Sendable, Codable, Equatable {
        public var id: String
        /// `platform` | `stack` | `deploy`
        public var task: String
        public var source: Side
        public var target: Side
        /// `authored` | `synthesized` | `mined`
        public var provenance: String
        public var license: String
        /// sha256 of the normalized source and target files.
        public var hash: String
    }
}
