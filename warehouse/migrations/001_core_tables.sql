-- Core tables: feeds, entries, articles, mentions, events, entities, dead letters.
-- A DuckLake has no primary keys: each table's key (feed_url, article_id, ...) is kept unique by landing,
-- which MERGEs on it (warehouse/sql/land_*.sql).

CREATE TABLE feeds (
    feed_url             VARCHAR NOT NULL,
    title                VARCHAR,
    html_url             VARCHAR,
    category             VARCHAR,
    added_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    active               BOOLEAN NOT NULL DEFAULT true,
    etag                 VARCHAR,
    last_modified        VARCHAR,
    last_polled_at       TIMESTAMPTZ,
    last_status          INTEGER,
    last_outcome         VARCHAR,
    last_error           VARCHAR,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    entries_seen         BIGINT NOT NULL DEFAULT 0,
    last_new_entry_at    TIMESTAMPTZ,
    poll_interval_s      DOUBLE,
    next_poll_at         TIMESTAMPTZ,
    redirected_to        VARCHAR
);

CREATE TABLE entries (
    article_id  VARCHAR NOT NULL,
    url         VARCHAR NOT NULL,
    feed_url    VARCHAR NOT NULL,
    title       VARCHAR,
    published   TIMESTAMPTZ,
    first_seen  TIMESTAMPTZ NOT NULL
);

CREATE TABLE articles (
    article_id     VARCHAR NOT NULL,
    url            VARCHAR NOT NULL,
    feed_url       VARCHAR,
    outlet         VARCHAR,
    status         VARCHAR NOT NULL,
    http_status    INTEGER,
    title          VARCHAR,
    text           VARCHAR,
    authors        VARCHAR[],
    published      TIMESTAMPTZ,
    language       VARCHAR,
    top_image      VARCHAR,
    extractor      VARCHAR,
    fingerprint    VARCHAR,
    duplicate_of   VARCHAR,
    fetched_at     TIMESTAMPTZ,
    tag_status     VARCHAR,
    tagger_version VARCHAR,
    landed_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE mentions (
    article_id     VARCHAR NOT NULL,
    label          VARCHAR NOT NULL,
    text           VARCHAR NOT NULL,
    start_char     INTEGER NOT NULL,
    end_char       INTEGER NOT NULL,
    sentence       VARCHAR,
    canonical_id   VARCHAR NOT NULL,
    canonical_name VARCHAR NOT NULL,
    state          VARCHAR,
    technology     VARCHAR
);

CREATE TABLE events (
    event_id       VARCHAR NOT NULL,
    article_id     VARCHAR NOT NULL,
    agency_id      VARCHAR NOT NULL,
    agency         VARCHAR NOT NULL,
    agency_state   VARCHAR,
    technology     VARCHAR NOT NULL,
    vendor_id      VARCHAR,
    vendor         VARCHAR,
    action         VARCHAR NOT NULL,
    evidence       VARCHAR NOT NULL,
    evidence_start INTEGER,
    confidence     DOUBLE,
    published      TIMESTAMPTZ,
    landed_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE agencies (
    agency_id  VARCHAR NOT NULL,
    name       VARCHAR NOT NULL,
    state      VARCHAR,
    first_seen TIMESTAMPTZ NOT NULL
);

CREATE TABLE vendors (
    vendor_id  VARCHAR NOT NULL,
    name       VARCHAR NOT NULL,
    first_seen TIMESTAMPTZ NOT NULL
);

CREATE TABLE technologies (
    slug        VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    description VARCHAR NOT NULL
);

CREATE TABLE dead_letters (
    dead_letter_id VARCHAR NOT NULL,
    stage          VARCHAR NOT NULL,
    source_topic   VARCHAR NOT NULL,
    key            VARCHAR,
    reason         VARCHAR NOT NULL,
    error          VARCHAR,
    payload        VARCHAR,
    source_offset  VARCHAR,
    failed_at      TIMESTAMPTZ NOT NULL,
    replayed_at    TIMESTAMPTZ
);

INSERT INTO technologies VALUES
    ('face_recognition', 'Face recognition', 'Face recognition / face matching, incl. Rekognition, Clearview'),
    ('license_plate_readers', 'License plate readers', 'Automated license plate readers (ALPR/LPR), plate cameras'),
    ('gunshot_detection', 'Gunshot detection', 'Acoustic gunshot detection (ShotSpotter, Flock Raven)'),
    ('drones', 'Drones', 'Drones / unmanned aerial systems, drone-as-first-responder'),
    ('body_cameras', 'Body cameras', 'Body-worn cameras, dash cameras'),
    ('cell_site_simulators', 'Cell-site simulators', 'IMSI catchers, Stingray, Hailstorm'),
    ('predictive_policing', 'Predictive policing', 'Crime forecasting, risk scores for people or places'),
    ('social_media_monitoring', 'Social media monitoring', 'Social media surveillance, OSINT platforms'),
    ('real_time_crime_center', 'Real-time crime centers', 'Real-time crime centers, live video hubs'),
    ('camera_networks', 'Camera networks', 'CCTV, city camera networks, camera registries, doorbell-camera partnerships'),
    ('video_analytics', 'Video analytics', 'Object, person or vehicle search in video, AI video analysis'),
    ('phone_forensics', 'Phone forensics', 'Mobile device forensic extraction (Cellebrite, GrayKey)'),
    ('biometrics', 'Biometrics', 'Fingerprint, iris, voice, DNA and other biometrics other than faces'),
    ('data_analytics', 'Data analytics', 'Investigative data platforms, data fusion, data brokers, location data'),
    ('robots', 'Robots', 'Police robots, robot dogs');
