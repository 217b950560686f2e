import GRDB

/// The registry's schema, migration by migration. Never edit a migration that has shipped:
/// add the next one. GRDB records applied identifiers in `grdb_migrations`.
enum Schema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        // v1: experiment tracking (what `ciport train` and `ciport eval` record).
        m.registerMigration("v1-tracking") { db in
            try db.execute(sql: """
                CREATE TABLE experiment (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE,
                    created REAL NOT NULL
                );
                CREATE TABLE run (
                    id TEXT PRIMARY KEY,
                    experimentId INTEGER NOT NULL REFERENCES experiment(id),
                    name TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'killed')),
                    startTime REAL NOT NULL,
                    endTime REAL,
                    source TEXT
                );
                CREATE TABLE param (
                    runId TEXT NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (runId, key)
                );
                CREATE TABLE metric (
                    runId TEXT NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    key TEXT NOT NULL,
                    step INTEGER NOT NULL,
                    value REAL NOT NULL,
                    timestamp REAL NOT NULL,
                    PRIMARY KEY (runId, key, step)
                );
                CREATE TABLE tag (
                    runId TEXT NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (runId, key)
                );
                CREATE TABLE artifact (
                    runId TEXT NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    path TEXT NOT NULL,
                    localPath TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    sha256 TEXT NOT NULL,
                    PRIMARY KEY (runId, path)
                );
                """)
        }
        // v2: the model registry and what has been pushed where.
        m.registerMigration("v2-models") { db in
            try db.execute(sql: """
                CREATE TABLE model (
                    name TEXT PRIMARY KEY,
                    description TEXT,
                    created REAL NOT NULL
                );
                CREATE TABLE modelVersion (
                    model TEXT NOT NULL REFERENCES model(name) ON DELETE CASCADE,
                    version TEXT NOT NULL,
                    major INTEGER NOT NULL, minor INTEGER NOT NULL, patch INTEGER NOT NULL,
                    runId TEXT NOT NULL REFERENCES run(id),
                    description TEXT,
                    created REAL NOT NULL,
                    PRIMARY KEY (model, version)
                );
                CREATE TABLE alias (
                    model TEXT NOT NULL,
                    alias TEXT NOT NULL,
                    version TEXT NOT NULL,
                    updated REAL NOT NULL,
                    PRIMARY KEY (model, alias),
                    FOREIGN KEY (model, version) REFERENCES modelVersion(model, version) ON DELETE CASCADE
                );
                CREATE TABLE evalScore (
                    model TEXT NOT NULL,
                    version TEXT NOT NULL,
                    key TEXT NOT NULL,
                    value REAL NOT NULL,
                    PRIMARY KEY (model, version, key),
                    FOREIGN KEY (model, version) REFERENCES modelVersion(model, version) ON DELETE CASCADE
                );
                -- A row exists only once everything of the object reached the remote (see Push.swift).
                CREATE TABLE remoteRef (
                    kind TEXT NOT NULL CHECK (kind IN ('run', 'modelVersion')),
                    localId TEXT NOT NULL,
                    remote TEXT NOT NULL,
                    remoteId TEXT NOT NULL,
                    pushed REAL NOT NULL,
                    PRIMARY KEY (kind, localId, remote)
                );
                """)
        }
        return m
    }
}
