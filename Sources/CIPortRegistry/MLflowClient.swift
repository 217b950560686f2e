import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// How hard to try before giving up on a server: exponential backoff with jitter on 5xx, 429 and
/// connection failures. 4xx answers are final.
public struct RetryPolicy: Sendable {
    public var attempts: Int
    public var baseDelay: Double
    public var maxDelay: Double
    public var timeout: Double

    public init(attempts: Int = 5, baseDelay: Double = 0.5, maxDelay: Double = 8, timeout: Double = 60) {
        self.attempts = max(1, attempts); self.baseDelay = baseDelay; self.maxDelay = maxDelay; self.timeout = timeout
    }

    func delay(beforeAttempt n: Int) -> Double {
        let d = min(maxDelay, baseDelay * pow(2, Double(n - 2)))
        return d * Double.random(in: 0.8...1.2)
    }
}

/// A failure answered by the server (HTTP status and MLflow's `error_code`), or no answer at all.
struct HTTPFailure: Error {
    var status: Int?          // nil: no HTTP answer (refused, reset, timed out)
    var errorCode: String?
    var message: String
    var request: String       // "POST /api/2.0/mlflow/runs/create": never a header, never a body

    var retryable: Bool { status == nil || status! >= 500 || status! == 429 }
    var notFound: Bool { status == 404 || errorCode == "RESOURCE_DOES_NOT_EXIST" }
}

/// JSON over HTTP to an MLflow REST API 2.0 server. Retries only what is safe to retry; callers
/// that create things handle their own retries (search, then create) so that a lost answer never
/// leaves a duplicate behind.
final class MLflowClient: Sendable {
    let target: RemoteTarget
    let retry: RetryPolicy
    let session: URLSession
    /// Called with "METHOD path" before every request (tests use it to stop the server mid-push).
    let observer: (@Sendable (String) -> Void)?

    init(target: RemoteTarget, retry: RetryPolicy = RetryPolicy(), observer: (@Sendable (String) -> Void)? = nil) {
        self.target = target
        self.retry = retry
        self.observer = observer
        let cfg = URLSessionConfiguration.ephemeral  // no cookie or credential storage on disk
        cfg.timeoutIntervalForRequest = retry.timeout
        cfg.httpCookieStorage = nil
        cfg.urlCredentialStorage = nil
        cfg.urlCache = nil
        session = URLSession(configuration: cfg)
    }

    func get(_ api: String, _ query: [String: String] = [:], retrying: Bool = true) async throws -> [String: Any] {
        var c = URLComponents(url: url(api), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { c.queryItems = query.sorted(by: { $0.key < $1.key }).map { URLQueryItem(name: $0.key, value: $0.value) } }
        return try await json("GET", c.url!, body: nil, display: "GET " + api, retrying: retrying)
    }

    func post(_ api: String, _ body: [String: Any], retrying: Bool = true) async throws -> [String: Any] {
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        return try await json("POST", url(api), body: data, display: "POST " + api, retrying: retrying)
    }

    func patch(_ api: String, _ body: [String: Any]) async throws -> [String: Any] {
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        return try await json("PATCH", url(api), body: data, display: "PATCH " + api, retrying: true)
    }

    /// Uploads a file with PUT to an absolute URL (proxied artifacts, GitLab packages); PUT replaces, so it is retried.
    func put(file: String, to dest: URL, display: String) async throws {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: file), options: .alwaysMapped) else {
            throw RegistryError.io("\(file): cannot read the artifact")
        }
        _ = try await send("PUT", dest, body: data, contentType: "application/octet-stream", display: display, retrying: true)
    }

    func url(_ api: String) -> URL {
        URL(string: target.trackingURI.absoluteString + (api.hasPrefix("/") ? api : "/" + api))!
    }

    private func json(_ method: String, _ url: URL, body: Data?, display: String, retrying: Bool) async throws -> [String: Any] {
        let data = try await send(method, url, body: body, contentType: "application/json", display: display, retrying: retrying)
        if data.isEmpty { return [:] }
        guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw HTTPFailure(status: 200, errorCode: nil, message: "the answer is not a JSON object", request: display)
        }
        return obj
    }

    func send(_ method: String, _ url: URL, body: Data?, contentType: String, display: String, retrying: Bool) async throws -> Data {
        var req = URLRequest(url: url)
        req.httpMethod = method
        req.timeoutInterval = retry.timeout
        if let body {
            req.httpBody = body
            req.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        req.setValue("application/json", forHTTPHeaderField: "Accept")
        req.setValue("ciport", forHTTPHeaderField: "User-Agent")
        if let token = target.token { req.setValue("Bearer " + token, forHTTPHeaderField: "Authorization") }

        let attempts = retrying ? retry.attempts : 1
        var last: HTTPFailure?
        for attempt in 1...attempts {
            if attempt > 1 { try await Task.sleep(nanoseconds: UInt64(retry.delay(beforeAttempt: attempt) * 1e9)) }
            observer?(display)
            do {
                let (data, response) = try await session.data(for: req)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if (200..<300).contains(status) { return data }
                last = Self.failure(status: status, data: data, request: display)
            } catch let e as URLError {
                last = HTTPFailure(status: nil, errorCode: nil, message: Self.describe(e), request: display)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                last = HTTPFailure(status: nil, errorCode: nil, message: "the request failed", request: display)
            }
            if !last!.retryable { break }
        }
        throw last!
    }

    static func failure(status: Int, data: Data, request: String) -> HTTPFailure {
        var code: String?
        var message = "HTTP \(status)"
        if let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            code = obj["error_code"] as? String
            if let m = obj["message"] as? String { message = "HTTP \(status): " + String(m.prefix(300)) }
        }
        return HTTPFailure(status: status, errorCode: code, message: message, request: request)
    }

    static func describe(_ e: URLError) -> String {
        switch e.code {
        case .cannotConnectToHost: "connection refused"
        case .networkConnectionLost: "the connection was closed mid-request"
        case .timedOut: "no answer before the timeout"
        case .cannotFindHost, .dnsLookupFailed: "unknown host"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate: "TLS handshake failed"
        default: "network error \(e.code.rawValue)"
        }
    }
}
