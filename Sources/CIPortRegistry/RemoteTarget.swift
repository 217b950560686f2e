import Foundation

/// An MLflow-compatible tracking server and how to authenticate to it.
///
/// The token is read from the environment at the moment of use and kept only in memory: it is
/// never printed, never part of an error, never written to the registry (which records the
/// server by its `displayName`, a URL without credentials or query).
public struct RemoteTarget: Sendable {
    /// The tracking URI without a trailing slash, e.g. `http://127.0.0.1:5000` or
    /// `https://gitlab.example.com/api/v4/projects/42/ml/mlflow`.
    public let trackingURI: URL
    /// `scheme://host[:port]/path`: how the registry and messages name this server.
    public let displayName: String
    /// The project API base (`…/api/v4/projects/42`) when this is GitLab's MLflow endpoint.
    public let gitlabProjectAPI: URL?
    /// Where the token came from (an environment variable's name), or nil when there is none.
    public let tokenSource: String?
    let token: String?

    public var isGitLab: Bool { gitlabProjectAPI != nil }

    /// `tokenEnv` names the variable holding the token; otherwise MLFLOW_TRACKING_TOKEN, then CI_JOB_TOKEN.
    public init(url: String, tokenEnv: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard var comps = URLComponents(string: url), let scheme = comps.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = comps.host, !host.isEmpty else {
            throw RegistryError.invalid("'\(Self.redact(url))' is not an http(s) tracking URL")
        }
        if comps.user != nil || comps.password != nil {
            throw RegistryError.invalid("the tracking URL carries credentials; put the token in MLFLOW_TRACKING_TOKEN (or --token-env NAME) instead")
        }
        comps.query = nil
        comps.fragment = nil
        while comps.path.hasSuffix("/") { comps.path.removeLast() }
        guard let u = comps.url else { throw RegistryError.invalid("'\(Self.redact(url))' is not a valid URL") }
        trackingURI = u
        displayName = u.absoluteString

        // GitLab serves MLflow's API under /api/v4/projects/:id/ml/mlflow (:id may be a URL-encoded path).
        if let r = comps.path.range(of: #"/api/v4/projects/[^/]+/ml/mlflow$"#, options: .regularExpression) {
            var p = comps
            p.path = String(comps.path[..<r.lowerBound]) + String(comps.path[r]).replacingOccurrences(of: "/ml/mlflow", with: "")
            gitlabProjectAPI = p.url
        } else {
            gitlabProjectAPI = nil
        }

        if let tokenEnv {
            guard let t = environment[tokenEnv], !t.isEmpty else {
                throw RegistryError.invalid("--token-env names \(tokenEnv), which is not set or empty")
            }
            token = t
            tokenSource = tokenEnv
        } else if let t = environment["MLFLOW_TRACKING_TOKEN"], !t.isEmpty {
            token = t
            tokenSource = "MLFLOW_TRACKING_TOKEN"
        } else if let t = environment["CI_JOB_TOKEN"], !t.isEmpty {
            token = t
            tokenSource = "CI_JOB_TOKEN"
        } else {
            token = nil
            tokenSource = nil
        }
    }

    /// A URL with any userinfo and query removed, for messages about a URL that was refused.
    static func redact(_ url: String) -> String {
        guard var c = URLComponents(string: url) else { return "<unparseable URL>" }
        c.user = nil
        c.password = nil
        c.query = nil
        return c.string ?? "<unparseable URL>"
    }
}
