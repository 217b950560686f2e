import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A client of one OpenAI-compatible chat-completions endpoint (vLLM, Ollama, llama.cpp server, TGI,
/// hosted APIs, `python -m ciport_trainer serve`): a hard per-request deadline, retries with exponential
/// backoff on 5xx, 429, timeouts and dropped connections, and no retry where retrying cannot help (4xx,
/// an answer that is not a chat completion).
public struct ChatClient: Sendable {
    public struct Config: Sendable {
        /// The API root, `…/v1`; requests go to `<baseURL>/chat/completions`.
        public var baseURL: URL
        public var model: String
        /// The key's value, from the environment; never printed, logged or written to a report.
        public var apiKey: String?
        /// Seconds one attempt may take, connection to last byte.
        public var timeout: Double = 120
        /// Retries after the first attempt.
        public var retries: Int = 2
        /// The first backoff, doubled per retry (jittered by up to 25%).
        public var backoff: Double = 0.5
        public var maxTokens: Int = 2048
        public var temperature: Double = 0

        public init(baseURL: URL, model: String, apiKey: String? = nil) {
            self.baseURL = baseURL
            self.model = model
            self.apiKey = apiKey
        }
    }

    public let config: Config
    private let session: URLSession

    public init(_ config: Config, maxConnections: Int = 4) {
        self.config = config
        let c = URLSessionConfiguration.ephemeral
        c.httpMaximumConnectionsPerHost = max(1, maxConnections)
        c.timeoutIntervalForRequest = config.timeout + 1
        c.timeoutIntervalForResource = config.timeout + 1
        session = URLSession(configuration: c)
    }

    /// The assistant's answer, or why there is none. `attempts` counts HTTP attempts made.
    public func complete(_ messages: [ChatMessage], attempts: inout Int) async -> Result<String, EngineFailure> {
        var last = EngineFailure(.transport, "no attempt made")
        var retryAfter: Double?
        for attempt in 0...max(0, config.retries) {
            if attempt > 0 {
                var wait = config.backoff * pow(2, Double(attempt - 1))
                if let ra = retryAfter { wait = max(wait, min(ra, 30)) }
                wait *= 1 + Double.random(in: 0..<0.25)
                try? await Task.sleep(nanoseconds: UInt64(wait * 1e9))
                if Task.isCancelled { break }
            }
            attempts += 1
            switch await once(messages) {
            case .success(let text): return .success(text)
            case .failure(let f):
                last = f.failure
                retryAfter = f.retryAfter
                if !f.retryable { return .failure(last) }
            }
        }
        if config.retries > 0 { last.message += " (after \(config.retries + 1) attempts)" }
        return .failure(last)
    }

    struct AttemptFailure: Error {
        var failure: EngineFailure
        var retryable: Bool
        var retryAfter: Double? = nil
    }

    private struct Request: Encodable {
        var model: String
        var messages: [ChatMessage]
        var temperature: Double
        var max_tokens: Int
        var stream = false
    }

    private struct Response: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable { var content: String? }
            var message: Message
        }
        var choices: [Choice]
    }

    private struct ErrorBody: Decodable {
        struct Detail: Decodable { var message: String? }
        var error: Detail?
    }

    private func once(_ messages: [ChatMessage]) async -> Result<String, AttemptFailure> {
        var req = URLRequest(url: config.baseURL.appendingPathComponent("chat/completions"))
        req.httpMethod = "POST"
        req.timeoutInterval = config.timeout + 1
        req.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let key = config.apiKey, !key.isEmpty { req.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        req.httpBody = try? JSONEncoder().encode(Request(model: config.model, messages: messages,
                                                         temperature: config.temperature, max_tokens: config.maxTokens))
        let data: Data, response: HTTPURLResponse
        do {
            (data, response) = try await fetch(req, deadline: config.timeout)
        } catch let e as TimedOut {
            return .failure(AttemptFailure(failure: EngineFailure(.timeout, "no answer within \(Self.seconds(e.after))"), retryable: true))
        } catch {
            let ns = error as NSError
            if ns.domain == NSURLErrorDomain, ns.code == NSURLErrorTimedOut {
                return .failure(AttemptFailure(failure: EngineFailure(.timeout, "no answer within \(Self.seconds(config.timeout))"), retryable: true))
            }
            return .failure(AttemptFailure(failure: EngineFailure(.transport, ns.localizedDescription), retryable: true))
        }
        guard (200..<300).contains(response.statusCode) else {
            let detail = (try? JSONDecoder().decode(ErrorBody.self, from: data))?.error?.message
                ?? String(decoding: data.prefix(200), as: UTF8.self)
            let f = EngineFailure(.http, "HTTP \(response.statusCode)" + (detail.isEmpty ? "" : ": \(detail.prefix(200))"))
            let ra = response.value(forHTTPHeaderField: "Retry-After").flatMap(Double.init)
            let retry = response.statusCode >= 500 || response.statusCode == 429 || response.statusCode == 408
            return .failure(AttemptFailure(failure: f, retryable: retry, retryAfter: ra))
        }
        guard let r = try? JSONDecoder().decode(Response.self, from: data), let first = r.choices.first else {
            let head = String(decoding: data.prefix(80), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
            return .failure(AttemptFailure(failure: EngineFailure(.badResponse, "not a chat completion: \(head.isEmpty ? "empty body" : head)"), retryable: false))
        }
        return .success(first.message.content ?? "")
    }

    struct TimedOut: Error { var after: Double }

    /// One request with a hard deadline: the request races a timer; the loser is cancelled. URLSession's
    /// own timeout is an idle timeout, which a server trickling bytes would never trip.
    private func fetch(_ req: URLRequest, deadline: Double) async throws -> (Data, HTTPURLResponse) {
        try await withThrowingTaskGroup(of: (Data, HTTPURLResponse).self) { group in
            group.addTask { try await self.dataTask(req) }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(deadline * 1e9))
                throw TimedOut(after: deadline)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    private final class TaskBox: @unchecked Sendable {
        // Guarded by `lock`: set once when the task starts, read by the cancellation handler.
        let lock = NSLock()
        var task: URLSessionDataTask?
        var cancelled = false
    }

    private func dataTask(_ req: URLRequest) async throws -> (Data, HTTPURLResponse) {
        let box = TaskBox()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<(Data, HTTPURLResponse), Error>) in
                let task = session.dataTask(with: req) { data, response, error in
                    if let error { cont.resume(throwing: error); return }
                    guard let http = response as? HTTPURLResponse else {
                        cont.resume(throwing: URLError(.badServerResponse))
                        return
                    }
                    cont.resume(returning: (data ?? Data(), http))
                }
                box.lock.lock()
                box.task = task
                let cancelled = box.cancelled
                box.lock.unlock()
                if cancelled { task.cancel() }
                task.resume()
            }
        } onCancel: {
            box.lock.lock()
            box.cancelled = true
            let t = box.task
            box.lock.unlock()
            t?.cancel()
        }
    }

    static func seconds(_ s: Double) -> String { s == s.rounded() ? "\(Int(s))s" : String(format: "%.1fs", s) }
}
