//! One connection to either engine, SQLite or PostgreSQL, with one SQL text
//! for both.
//!
//! Statements are written once in the SQL both engines read: `?1`-style
//! parameters (turned into PostgreSQL's `$1` here), `ON CONFLICT … DO`,
//! `RETURNING`, `TRUE`/`FALSE` and `NOT flag` for booleans, `CASE` instead
//! of SQLite's two-argument `MAX`. The few statements no common text can
//! say (full-text search, backups) ask [`Db::is_postgres`]. Every statement
//! is prepared once per connection and cached.
//!
//! A parameter is any value both drivers take ([`Param`]); a column is read
//! into any type both drivers read ([`Column`]). PostgreSQL checks types
//! strictly, so its schema gives each column the Rust type the code binds
//! (BIGINT for `i64`, INTEGER for `i32`, BOOLEAN for `bool`).

use std::collections::HashMap;

/// A failed statement, from either engine.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}", pg_message(.0))]
    Postgres(#[from] postgres::Error),
    #[error("the query returned no row")]
    NoRow,
    #[error("the connection to PostgreSQL was lost during a transaction; it is opened again for the next one")]
    Lost,
}

/// PostgreSQL's error with the server's detail, or the causes beneath (a
/// TLS handshake's "invalid peer certificate"), which its `Display` leaves out.
fn pg_message(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{}: {}", db.severity(), db.message());
    }
    let mut message = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        message.push_str(": ");
        message.push_str(&c.to_string());
        cause = c.source();
    }
    message
}

impl DbError {
    /// Whether the statement lost a race another replica won (PostgreSQL's
    /// serialization failure or deadlock): run the transaction again.
    pub fn is_conflict(&self) -> bool {
        use postgres::error::SqlState;
        matches!(self, DbError::Postgres(e) if matches!(
            e.code(),
            Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
        ))
    }
}

/// A value both drivers bind.
pub trait Param: Sync {
    fn lite(&self) -> &dyn rusqlite::ToSql;
    fn pg(&self) -> &(dyn postgres::types::ToSql + Sync);
}

impl<T: rusqlite::ToSql + postgres::types::ToSql + Sync> Param for T {
    fn lite(&self) -> &dyn rusqlite::ToSql {
        self
    }
    fn pg(&self) -> &(dyn postgres::types::ToSql + Sync) {
        self
    }
}

/// A type both drivers read a column into.
pub trait Column: rusqlite::types::FromSql + for<'a> postgres::types::FromSql<'a> {}
impl<T: rusqlite::types::FromSql + for<'a> postgres::types::FromSql<'a>> Column for T {}

/// Parameters for a statement: `p![a, b]`.
macro_rules! p {
    () => { &[] as &[&dyn $crate::store::db::Param] };
    ($($e:expr),+ $(,)?) => { &[$(&$e as &dyn $crate::store::db::Param),+] as &[&dyn $crate::store::db::Param] };
}
pub(crate) use p;

/// A row being read.
pub enum Row<'a> {
    Lite(&'a rusqlite::Row<'a>),
    Pg(&'a postgres::Row),
}

impl Row<'_> {
    pub fn get<T: Column>(&self, i: usize) -> Result<T, DbError> {
        Ok(match self {
            Row::Lite(r) => r.get(i)?,
            Row::Pg(r) => r.try_get(i)?,
        })
    }
}

/// Opens a new connection like the first: after the server restarted or
/// the network dropped it.
pub type Reconnect = Box<dyn Fn() -> Result<postgres::Client, DbError> + Send>;

pub struct Pg {
    /// Always there but while being dropped.
    client: Option<postgres::Client>,
    statements: HashMap<String, postgres::Statement>,
    reconnect: Reconnect,
    /// Between BEGIN and COMMIT or ROLLBACK: a lost connection is not
    /// reopened then, or the rest of the transaction would run outside one.
    in_transaction: bool,
}

impl Drop for Pg {
    fn drop(&mut self) {
        // Closing the connection blocks on the client's own runtime, which
        // tokio forbids on an async worker (where the last `Arc<Store>`
        // may go): closed on a thread of its own then.
        if tokio::runtime::Handle::try_current().is_ok() {
            if let Some(client) = self.client.take() {
                std::thread::spawn(move || drop(client));
            }
        }
    }
}

impl Pg {
    pub fn new(client: postgres::Client, reconnect: Reconnect) -> Self {
        Self {
            client: Some(client),
            statements: HashMap::new(),
            reconnect,
            in_transaction: false,
        }
    }

    /// The connection, opened again if it was lost between transactions.
    fn client(&mut self) -> Result<&mut postgres::Client, DbError> {
        let closed = self.client.as_ref().is_none_or(postgres::Client::is_closed);
        if closed {
            if self.in_transaction {
                return Err(DbError::Lost);
            }
            let client = (self.reconnect)()?;
            tracing::info!("the connection to PostgreSQL was lost and is open again");
            self.statements.clear();
            self.client = Some(client);
        }
        Ok(self.client.as_mut().expect("opened above"))
    }

    fn prepare(&mut self, sql: &str) -> Result<postgres::Statement, DbError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let statement = self.client()?.prepare(&dollar_params(sql))?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

pub enum Db {
    Lite(rusqlite::Connection),
    Pg(Box<Pg>),
}

fn lite_params<'a>(params: &'a [&'a dyn Param]) -> Vec<&'a dyn rusqlite::ToSql> {
    params.iter().map(|p| p.lite()).collect()
}

fn pg_params<'a>(params: &'a [&'a dyn Param]) -> Vec<&'a (dyn postgres::types::ToSql + Sync)> {
    params.iter().map(|p| p.pg()).collect()
}

impl Db {
    pub fn is_postgres(&self) -> bool {
        matches!(self, Db::Pg(_))
    }

    /// Runs a statement; returns the rows it changed.
    pub fn execute(&mut self, sql: &str, params: &[&dyn Param]) -> Result<usize, DbError> {
        match self {
            Db::Lite(c) => Ok(c.prepare_cached(sql)?.execute(&lite_params(params)[..])?),
            Db::Pg(pg) => {
                let s = pg.prepare(sql)?;
                Ok(pg.client()?.execute(&s, &pg_params(params))? as usize)
            }
        }
    }

    /// Runs statements without parameters, separated by semicolons.
    pub fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        match self {
            Db::Lite(c) => Ok(c.execute_batch(sql)?),
            Db::Pg(pg) => {
                let done = pg.client()?.batch_execute(sql);
                match sql {
                    "BEGIN" => pg.in_transaction = done.is_ok(),
                    "COMMIT" | "ROLLBACK" => pg.in_transaction = false,
                    _ => {}
                }
                Ok(done?)
            }
        }
    }

    /// The first row, if any, read by `f`.
    pub fn query_opt<T>(
        &mut self,
        sql: &str,
        params: &[&dyn Param],
        f: impl FnOnce(&Row<'_>) -> Result<T, DbError>,
    ) -> Result<Option<T>, DbError> {
        match self {
            Db::Lite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(&lite_params(params)[..])?;
                match rows.next()? {
                    Some(r) => f(&Row::Lite(r)).map(Some),
                    None => Ok(None),
                }
            }
            Db::Pg(pg) => {
                let s = pg.prepare(sql)?;
                match pg.client()?.query_opt(&s, &pg_params(params))? {
                    Some(r) => f(&Row::Pg(&r)).map(Some),
                    None => Ok(None),
                }
            }
        }
    }

    /// The first row, read by `f`; no row is an error.
    pub fn query_one<T>(
        &mut self,
        sql: &str,
        params: &[&dyn Param],
        f: impl FnOnce(&Row<'_>) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        self.query_opt(sql, params, f)?.ok_or(DbError::NoRow)
    }

    /// Whether the query returns a row.
    pub fn exists(&mut self, sql: &str, params: &[&dyn Param]) -> Result<bool, DbError> {
        Ok(self.query_opt(sql, params, |_| Ok(()))?.is_some())
    }

    /// Every row, read by `f`.
    pub fn query_all<T>(
        &mut self,
        sql: &str,
        params: &[&dyn Param],
        mut f: impl FnMut(&Row<'_>) -> Result<T, DbError>,
    ) -> Result<Vec<T>, DbError> {
        let mut out = Vec::new();
        self.for_each(sql, params, |r| {
            out.push(f(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// Calls `f` with each row as it is read, without holding them all.
    pub fn for_each(
        &mut self,
        sql: &str,
        params: &[&dyn Param],
        mut f: impl FnMut(&Row<'_>) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        match self {
            Db::Lite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(&lite_params(params)[..])?;
                while let Some(r) = rows.next()? {
                    f(&Row::Lite(r))?;
                }
                Ok(())
            }
            Db::Pg(pg) => {
                use postgres::fallible_iterator::FallibleIterator;
                let s = pg.prepare(sql)?;
                let mut rows = pg.client()?.query_raw(&s, pg_params(params))?;
                while let Some(r) = rows.next()? {
                    f(&Row::Pg(&r))?;
                }
                Ok(())
            }
        }
    }

    /// Begins a transaction, rolled back unless [`Tx::commit`] is called.
    pub fn transaction(&mut self) -> Result<Tx<'_>, DbError> {
        self.batch("BEGIN")?;
        Ok(Tx {
            db: self,
            open: true,
        })
    }

    /// The SQLite connection, for what only SQLite does (backups, pragmas).
    pub fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match self {
            Db::Lite(c) => Some(c),
            Db::Pg(_) => None,
        }
    }
}

/// An open transaction; dropping it without a commit rolls it back.
pub struct Tx<'a> {
    db: &'a mut Db,
    open: bool,
}

impl Tx<'_> {
    pub fn commit(mut self) -> Result<(), DbError> {
        self.open = false;
        self.db.batch("COMMIT")
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open {
            // A failed rollback leaves nothing to do: the connection's next
            // BEGIN fails and says so.
            let _ = self.db.batch("ROLLBACK");
        }
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        self.db
    }
}

impl std::ops::DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut Db {
        self.db
    }
}

/// `?1` → `$1`, outside quoted text.
fn dollar_params(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => quoted = !quoted,
            '?' if !quoted && chars.peek().is_some_and(char::is_ascii_digit) => {
                out.push('$');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::dollar_params;

    #[test]
    fn parameters_become_dollars_outside_quoted_text() {
        assert_eq!(
            dollar_params("SELECT ?1, '?2' FROM t WHERE a = ?12 AND b = ?"),
            "SELECT $1, '?2' FROM t WHERE a = $12 AND b = ?"
        );
    }
}
