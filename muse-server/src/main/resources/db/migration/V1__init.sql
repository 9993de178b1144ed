-- One schema for H2 and PostgreSQL: portable types only (VARCHAR, TEXT, BIGINT, INT, BOOLEAN); times are epoch millis.

CREATE TABLE api_keys (
    id          VARCHAR(32)  PRIMARY KEY,
    name        VARCHAR(200) NOT NULL,
    key_hash    VARCHAR(64)  NOT NULL UNIQUE,
    created_at  BIGINT       NOT NULL,
    revoked_at  BIGINT,
    tokens_used BIGINT       NOT NULL DEFAULT 0
);

CREATE TABLE conversations (
    id         VARCHAR(40)  PRIMARY KEY,
    owner      VARCHAR(40)  NOT NULL,
    title      VARCHAR(500) NOT NULL,
    created_at BIGINT       NOT NULL,
    updated_at BIGINT       NOT NULL
);
CREATE INDEX conversations_owner ON conversations (owner, updated_at);

CREATE TABLE runs (
    id              VARCHAR(40) PRIMARY KEY,
    owner           VARCHAR(40) NOT NULL,
    conversation_id VARCHAR(40),
    model           VARCHAR(200) NOT NULL,
    requested_mode  VARCHAR(20) NOT NULL,
    mode            VARCHAR(20),
    status          VARCHAR(20) NOT NULL,
    input_tokens    BIGINT NOT NULL DEFAULT 0,
    output_tokens   BIGINT NOT NULL DEFAULT 0,
    reasoning_tokens BIGINT NOT NULL DEFAULT 0,
    elapsed_ms      BIGINT NOT NULL DEFAULT 0,
    error           TEXT,
    result_json     TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX runs_owner ON runs (owner, created_at);

CREATE TABLE messages (
    id              VARCHAR(40) PRIMARY KEY,
    conversation_id VARCHAR(40) NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             INT         NOT NULL,
    role            VARCHAR(16) NOT NULL,
    content_json    TEXT        NOT NULL,
    reasoning       TEXT,
    run_id          VARCHAR(40),
    meta_json       TEXT,
    created_at      BIGINT      NOT NULL,
    UNIQUE (conversation_id, seq)
);

CREATE TABLE artifacts (
    id              VARCHAR(40) PRIMARY KEY,
    run_id          VARCHAR(40) NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    owner           VARCHAR(40) NOT NULL,
    kind            VARCHAR(16) NOT NULL,
    title           VARCHAR(200) NOT NULL,
    content         TEXT        NOT NULL,
    created_at      BIGINT      NOT NULL
);
CREATE INDEX artifacts_run ON artifacts (run_id);
