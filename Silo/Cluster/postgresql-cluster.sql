-- Mallard cluster mode: the PostgreSQL objects Orleans' ADO.NET providers need (membership,
-- grain state, reminders). Written for Mallard from the providers' documented contract: each
-- provider loads its statements from OrleansQuery by key, binds its own parameter names and reads
-- result columns by name. Applied by every silo at start-up, inside one transaction under an
-- advisory lock, so it is idempotent and safe when several silos start at once. Statements are
-- upserted, so a newer Mallard replaces the text of older ones.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64)   NOT NULL PRIMARY KEY,
    QueryText varchar(8000) NOT NULL
);

-- Membership -------------------------------------------------------------------------------

-- One row per cluster (Orleans calls it a deployment): the table version, bumped on every change.
CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable
(
    DeploymentId varchar(150)   NOT NULL PRIMARY KEY,
    Timestamp    timestamptz(3) NOT NULL DEFAULT now(),
    Version      integer        NOT NULL DEFAULT 0
);

-- One row per silo incarnation (address, port, generation).
CREATE TABLE IF NOT EXISTS OrleansMembershipTable
(
    DeploymentId varchar(150)   NOT NULL REFERENCES OrleansMembershipVersionTable (DeploymentId),
    Address      varchar(45)    NOT NULL,
    Port         integer        NOT NULL,
    Generation   integer        NOT NULL,
    SiloName     varchar(150)   NOT NULL,
    HostName     varchar(150)   NOT NULL,
    Status       integer        NOT NULL,
    ProxyPort    integer        NULL,
    SuspectTimes varchar(8000)  NULL,
    StartTime    timestamptz(3) NOT NULL,
    IAmAliveTime timestamptz(3) NOT NULL,
    PRIMARY KEY (DeploymentId, Address, Port, Generation)
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('InsertMembershipVersionKey', $q$
    WITH created AS (
        INSERT INTO OrleansMembershipVersionTable (DeploymentId)
        VALUES (@DeploymentId::varchar)
        ON CONFLICT (DeploymentId) DO NOTHING
        RETURNING 1)
    SELECT count(*)::integer FROM created;
$q$),
-- A silo joins only if the table version is still the one it read (optimistic concurrency):
-- the version bump and the insert succeed together or not at all.
('InsertMembershipKey', $q$
    WITH bumped AS (
        UPDATE OrleansMembershipVersionTable
        SET Version = Version + 1, Timestamp = now()
        WHERE DeploymentId = @DeploymentId::varchar
          AND Version = @Version::integer
          AND NOT EXISTS (
              SELECT 1 FROM OrleansMembershipTable m
              WHERE m.DeploymentId = @DeploymentId::varchar AND m.Address = @Address::varchar
                AND m.Port = @Port::integer AND m.Generation = @Generation::integer)
        RETURNING DeploymentId),
    inserted AS (
        INSERT INTO OrleansMembershipTable
            (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
        SELECT DeploymentId, @Address::varchar, @Port::integer, @Generation::integer, @SiloName::varchar,
               @HostName::varchar, @Status::integer, @ProxyPort::integer, @StartTime::timestamptz, @IAmAliveTime::timestamptz
        FROM bumped
        RETURNING 1)
    SELECT count(*)::integer FROM inserted;
$q$),
('UpdateMembershipKey', $q$
    WITH bumped AS (
        UPDATE OrleansMembershipVersionTable
        SET Version = Version + 1, Timestamp = now()
        WHERE DeploymentId = @DeploymentId::varchar
          AND Version = @Version::integer
          AND EXISTS (
              SELECT 1 FROM OrleansMembershipTable m
              WHERE m.DeploymentId = @DeploymentId::varchar AND m.Address = @Address::varchar
                AND m.Port = @Port::integer AND m.Generation = @Generation::integer)
        RETURNING DeploymentId),
    updated AS (
        UPDATE OrleansMembershipTable m
        SET Status = @Status::integer,
            SuspectTimes = @SuspectTimes::varchar,
            IAmAliveTime = GREATEST(m.IAmAliveTime, @IAmAliveTime::timestamptz)
        FROM bumped
        WHERE m.DeploymentId = bumped.DeploymentId AND m.Address = @Address::varchar
          AND m.Port = @Port::integer AND m.Generation = @Generation::integer
        RETURNING 1)
    SELECT count(*)::integer FROM updated;
$q$),
('UpdateIAmAlivetimeKey', $q$
    UPDATE OrleansMembershipTable
    SET IAmAliveTime = GREATEST(IAmAliveTime, @IAmAliveTime::timestamptz)
    WHERE DeploymentId = @DeploymentId::varchar AND Address = @Address::varchar
      AND Port = @Port::integer AND Generation = @Generation::integer;
$q$),
('MembershipReadRowKey', $q$
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status,
           m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT JOIN OrleansMembershipTable m
           ON m.DeploymentId = v.DeploymentId AND m.Address = @Address::varchar
          AND m.Port = @Port::integer AND m.Generation = @Generation::integer
    WHERE v.DeploymentId = @DeploymentId::varchar;
$q$),
('MembershipReadAllKey', $q$
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status,
           m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
    WHERE v.DeploymentId = @DeploymentId::varchar;
$q$),
('DeleteMembershipTableEntriesKey', $q$
    DELETE FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId::varchar;
    DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId::varchar;
$q$),
('GatewaysQueryKey', $q$
    SELECT Address, ProxyPort, Generation
    FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId::varchar AND Status = @Status::integer AND ProxyPort > 0;
$q$),
-- Only rows of dead silos (status 6) that stopped heartbeating before the cut-off are removed.
('CleanupDefunctSiloEntriesKey', $q$
    DELETE FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId::varchar
      AND IAmAliveTime < @IAmAliveTime::timestamptz
      AND StartTime < @IAmAliveTime::timestamptz
      AND COALESCE(SuspectTimes, '') = ''
      AND Status = 6;
$q$),
('CleanupDefunctSiloEntryKey', $q$
    DELETE FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId::varchar AND Status = 6
      AND Address = @Address::varchar AND Port = @Port::integer AND Generation = @Generation::integer
      AND IAmAliveTime = @IAmAliveTime::timestamptz AND StartTime = @StartTime::timestamptz
      AND COALESCE(SuspectTimes, '') = COALESCE(@SuspectTimes::varchar, '');
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- Grain state ------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            integer      NOT NULL,
    GrainIdN0              bigint       NOT NULL,
    GrainIdN1              bigint       NOT NULL,
    GrainTypeHash          integer      NOT NULL,
    GrainTypeString        varchar(512) NOT NULL,
    GrainIdExtensionString varchar(512) NULL,
    ServiceId              varchar(150) NOT NULL,
    PayloadBinary          bytea        NULL,
    PayloadXml             xml          NULL,
    PayloadJson            text         NULL,
    ModifiedOn             timestamp    NOT NULL,
    Version                integer      NULL
);

-- One row per grain state: two activations racing to create it cannot both succeed.
CREATE UNIQUE INDEX IF NOT EXISTS ux_orleansstorage_grain ON OrleansStorage
    (ServiceId, GrainTypeHash, GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeString, COALESCE(GrainIdExtensionString, ''));

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('ReadFromStorageKey', $q$
    SELECT PayloadBinary, PayloadXml, PayloadJson, (now() at time zone 'utc') AS ReadOn, Version
    FROM OrleansStorage
    WHERE ServiceId = @ServiceId::varchar AND GrainTypeHash = @GrainTypeHash::integer
      AND GrainIdHash = @GrainIdHash::integer AND GrainIdN0 = @GrainIdN0::bigint AND GrainIdN1 = @GrainIdN1::bigint
      AND GrainTypeString = @GrainTypeString::varchar
      AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString::varchar;
$q$),
-- Orleans 10 serializes state into PayloadBinary only (the JSON and XML columns stay for older
-- rows). Optimistic concurrency: an update needs the version the writer read; a first write needs that
-- no row exists. On a conflict the old version is returned and Orleans raises
-- InconsistentStateException in the stale writer.
('WriteToStorageKey', $q$
    WITH updated AS (
        UPDATE OrleansStorage
        SET PayloadBinary = @PayloadBinary::bytea, PayloadJson = NULL, PayloadXml = NULL, ModifiedOn = (now() at time zone 'utc'), Version = Version + 1
        WHERE @GrainStateVersion::integer IS NOT NULL AND Version = @GrainStateVersion::integer
          AND ServiceId = @ServiceId::varchar AND GrainTypeHash = @GrainTypeHash::integer
          AND GrainIdHash = @GrainIdHash::integer AND GrainIdN0 = @GrainIdN0::bigint AND GrainIdN1 = @GrainIdN1::bigint
          AND GrainTypeString = @GrainTypeString::varchar
          AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString::varchar
        RETURNING Version),
    inserted AS (
        INSERT INTO OrleansStorage
            (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString,
             ServiceId, PayloadBinary, PayloadJson, PayloadXml, ModifiedOn, Version)
        SELECT @GrainIdHash::integer, @GrainIdN0::bigint, @GrainIdN1::bigint, @GrainTypeHash::integer,
               @GrainTypeString::varchar, @GrainIdExtensionString::varchar, @ServiceId::varchar,
               @PayloadBinary::bytea, NULL, NULL, (now() at time zone 'utc'), 1
        WHERE @GrainStateVersion::integer IS NULL
        ON CONFLICT DO NOTHING
        RETURNING Version)
    SELECT COALESCE((SELECT Version FROM updated), (SELECT Version FROM inserted), @GrainStateVersion::integer) AS NewGrainStateVersion;
$q$),
('ClearStorageKey', $q$
    UPDATE OrleansStorage
    SET PayloadBinary = NULL, PayloadJson = NULL, PayloadXml = NULL, Version = Version + 1
    WHERE Version = @GrainStateVersion::integer
      AND ServiceId = @ServiceId::varchar AND GrainTypeHash = @GrainTypeHash::integer
      AND GrainIdHash = @GrainIdHash::integer AND GrainIdN0 = @GrainIdN0::bigint AND GrainIdN1 = @GrainIdN1::bigint
      AND GrainTypeString = @GrainTypeString::varchar
      AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString::varchar
    RETURNING Version AS NewGrainStateVersion;
$q$),
('DeleteStorageKey', $q$
    DELETE FROM OrleansStorage
    WHERE Version = @GrainStateVersion::integer
      AND ServiceId = @ServiceId::varchar AND GrainTypeHash = @GrainTypeHash::integer
      AND GrainIdHash = @GrainIdHash::integer AND GrainIdN0 = @GrainIdN0::bigint AND GrainIdN1 = @GrainIdN1::bigint
      AND GrainTypeString = @GrainTypeString::varchar
      AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString::varchar;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- Reminders --------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS OrleansRemindersTable
(
    ServiceId    varchar(150)   NOT NULL,
    GrainId      varchar(150)   NOT NULL,
    ReminderName varchar(150)   NOT NULL,
    StartTime    timestamptz(3) NOT NULL,
    Period       bigint         NOT NULL,
    GrainHash    integer        NOT NULL,
    Version      integer        NOT NULL,
    PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('UpsertReminderRowKey', $q$
    INSERT INTO OrleansRemindersTable (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
    VALUES (@ServiceId::varchar, @GrainId::varchar, @ReminderName::varchar, @StartTime::timestamptz,
            @Period::bigint, @GrainHash::integer, 0)
    ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
        SET StartTime = EXCLUDED.StartTime, Period = EXCLUDED.Period, GrainHash = EXCLUDED.GrainHash,
            Version = OrleansRemindersTable.Version + 1
    RETURNING Version;
$q$),
('ReadReminderRowsKey', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId::varchar AND GrainId = @GrainId::varchar;
$q$),
('ReadReminderRowKey', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId::varchar AND GrainId = @GrainId::varchar AND ReminderName = @ReminderName::varchar;
$q$),
('ReadRangeRows1Key', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId::varchar AND GrainHash > @BeginHash::integer AND GrainHash <= @EndHash::integer;
$q$),
('ReadRangeRows2Key', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId::varchar AND (GrainHash > @BeginHash::integer OR GrainHash <= @EndHash::integer);
$q$),
('DeleteReminderRowKey', $q$
    WITH deleted AS (
        DELETE FROM OrleansRemindersTable
        WHERE ServiceId = @ServiceId::varchar AND GrainId = @GrainId::varchar
          AND ReminderName = @ReminderName::varchar AND Version = @Version::integer
        RETURNING 1)
    SELECT count(*)::integer FROM deleted;
$q$),
('DeleteReminderRowsKey', $q$
    DELETE FROM OrleansRemindersTable WHERE ServiceId = @ServiceId::varchar;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- Mallard's own state -------------------------------------------------------------------------

-- The ownership map and the fencing epoch of every partition, in one row, so a move switches
-- owner and epoch in one statement (docs/operations.md, "Scaling out and in").
CREATE TABLE IF NOT EXISTS mallard_partition_owners
(
    service_id varchar(150) NOT NULL,
    dataset    varchar(150) NOT NULL,
    partition  integer      NOT NULL,
    owner      integer      NOT NULL,
    epoch      bigint       NOT NULL DEFAULT 0,
    changed_at timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, dataset, partition)
);

-- Ordinals an operator drained: they get no partitions until undrained.
CREATE TABLE IF NOT EXISTS mallard_drained_ordinals
(
    service_id varchar(150) NOT NULL,
    ordinal    integer      NOT NULL,
    drained_at timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, ordinal)
);
