-- Training: centres, programmes (modules and completion rule as JSON and columns), batches with their sessions,
-- enrolments (a registered worker or a person who is not one; the waiting list is the enrolments waiting, oldest
-- first), attendance per session, assessments, certificates and the districts' revocation lists (SQLite).
-- Kept in step with ../postgres/0013_training.sql.

CREATE TABLE training_centres (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    district TEXT NOT NULL,
    block TEXT,
    address TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    partner_user_id BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX training_centres_district ON training_centres (district, id);
CREATE INDEX training_centres_partner ON training_centres (partner_user_id);

CREATE TABLE training_programmes (
    id INTEGER PRIMARY KEY,
    district TEXT NOT NULL,
    title_en TEXT NOT NULL,
    title_hi TEXT NOT NULL,
    modules TEXT NOT NULL,
    min_attendance_pct BIGINT NOT NULL,
    min_score_pct BIGINT NOT NULL,
    certificate_en TEXT NOT NULL,
    certificate_hi TEXT NOT NULL,
    trade TEXT,
    validity_years BIGINT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX training_programmes_district ON training_programmes (district, id);

CREATE TABLE training_batches (
    id INTEGER PRIMARY KEY,
    programme_id BIGINT NOT NULL REFERENCES training_programmes (id),
    centre_id BIGINT NOT NULL REFERENCES training_centres (id),
    phase BIGINT NOT NULL,
    name TEXT NOT NULL,
    enrol_from BIGINT NOT NULL,
    enrol_until BIGINT NOT NULL,
    capacity BIGINT NOT NULL,
    trainers TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX training_batches_programme ON training_batches (programme_id, phase, id);
CREATE INDEX training_batches_centre ON training_batches (centre_id, id);

CREATE TABLE training_sessions (
    id INTEGER PRIMARY KEY,
    batch_id BIGINT NOT NULL REFERENCES training_batches (id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    topic TEXT NOT NULL,
    module BIGINT,
    qr_token TEXT NOT NULL CONSTRAINT training_sessions_qr_key UNIQUE
);
CREATE INDEX training_sessions_batch ON training_sessions (batch_id, starts_at);
CREATE INDEX training_sessions_time ON training_sessions (starts_at);

CREATE TABLE training_enrolments (
    id INTEGER PRIMARY KEY,
    batch_id BIGINT NOT NULL REFERENCES training_batches (id),
    worker_id BIGINT REFERENCES workers (id),
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    office TEXT,
    panchayat TEXT,
    block TEXT,
    district TEXT,
    status TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT training_enrolments_batch_phone_key UNIQUE (batch_id, phone)
);
CREATE INDEX training_enrolments_batch ON training_enrolments (batch_id, status, id);
CREATE INDEX training_enrolments_phone ON training_enrolments (phone);
CREATE INDEX training_enrolments_worker ON training_enrolments (worker_id);

CREATE TABLE training_attendance (
    session_id BIGINT NOT NULL REFERENCES training_sessions (id),
    enrolment_id BIGINT NOT NULL REFERENCES training_enrolments (id),
    present BIGINT NOT NULL,
    method TEXT NOT NULL,
    marked_by TEXT NOT NULL,
    marked_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, enrolment_id)
);
CREATE INDEX training_attendance_enrolment ON training_attendance (enrolment_id);

-- module -1 is the final assessment; a new score for the same module replaces the old one.
CREATE TABLE training_assessments (
    enrolment_id BIGINT NOT NULL REFERENCES training_enrolments (id),
    module BIGINT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    pass_mark REAL NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (enrolment_id, module)
);

CREATE TABLE status_lists (
    id INTEGER PRIMARY KEY,
    district TEXT NOT NULL,
    size BIGINT NOT NULL,
    used BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX status_lists_district ON status_lists (district, id);

CREATE TABLE certificates (
    id TEXT PRIMARY KEY,
    enrolment_id BIGINT NOT NULL REFERENCES training_enrolments (id),
    district TEXT NOT NULL,
    list_id BIGINT NOT NULL REFERENCES status_lists (id),
    status_index BIGINT NOT NULL,
    credential TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    valid_until BIGINT NOT NULL,
    revoked_at BIGINT,
    revoke_reason TEXT,
    -- 1 when completion itself withdrew it (the trainee no longer completes); such a one may be issued again.
    revoked_auto BIGINT NOT NULL DEFAULT 0,
    replaced_by TEXT,
    CONSTRAINT certificates_list_index_key UNIQUE (list_id, status_index)
);
CREATE INDEX certificates_enrolment ON certificates (enrolment_id);
-- One certificate in force per trainee, whatever runs completion at the same time.
CREATE UNIQUE INDEX certificates_live ON certificates (enrolment_id) WHERE revoked_at IS NULL;
CREATE INDEX certificates_district ON certificates (district, issued_at);
