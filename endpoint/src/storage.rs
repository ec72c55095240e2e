//! Durable storage in one embedded SQLite file (`<data-dir>/media.sqlite3`): each
//! Media's JSON (without the image) and its bytes as a BLOB, so everything survives a
//! restart. Calls are blocking; the routes run them on tokio's blocking pool.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension};

pub const DATABASE_FILE: &str = "media.sqlite3";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("could not create the data directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("SQLite error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("a stored resource could not be encoded: {0}")]
    Json(#[from] serde_json::Error),
}

/// One row to insert.
pub struct NewRecord<'a> {
    pub id: &'a str,
    pub patient: &'a str,
    pub content_type: &'a str,
    pub resource_json: &'a str,
    pub data: &'a [u8],
}

/// What a search returns: the total match count and one page of resource JSON.
pub struct Page {
    pub total: u64,
    pub rows: Vec<(String, String)>,
}

pub struct Store {
    // rusqlite's Connection is not Sync; one connection behind a mutex is plenty for
    // a dev server and keeps every write ordered.
    conn: Mutex<Connection>,
}

impl Store {
    /// Opens (creating if needed) the database in `dir`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
            path: dir.to_owned(),
            source,
        })?;
        let conn = Connection::open(dir.join(DATABASE_FILE))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // WAL + NORMAL survives a killed process; fsync per commit is not needed here.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS media (
                 seq          INTEGER PRIMARY KEY AUTOINCREMENT,
                 id           TEXT NOT NULL UNIQUE,
                 patient      TEXT NOT NULL,
                 created_ms   INTEGER NOT NULL,
                 content_type TEXT NOT NULL,
                 resource     TEXT NOT NULL,
                 data         BLOB NOT NULL
             );
             CREATE INDEX IF NOT EXISTS media_by_patient ON media (patient, seq);",
        )?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (each
        // statement is atomic), so the connection is still good to use.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn insert(&self, record: &NewRecord<'_>) -> Result<(), StoreError> {
        let created_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        self.conn().execute(
            "INSERT INTO media (id, patient, created_ms, content_type, resource, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                record.id,
                record.patient,
                created_ms,
                record.content_type,
                record.resource_json,
                record.data
            ],
        )?;
        Ok(())
    }

    /// The stored resource JSON for `id`.
    pub fn resource(&self, id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT resource FROM media WHERE id = ?1",
                params![id],
                |row| row.get(0),
            )
            .optional()?)
    }

    pub fn exists(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT 1 FROM media WHERE id = ?1", params![id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// The content type and image bytes for `id`.
    pub fn content(&self, id: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT content_type, data FROM media WHERE id = ?1",
                params![id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?)
    }

    /// Matches for `patient` and/or `id`, oldest first, one page of them.
    pub fn search(
        &self,
        patient: Option<&str>,
        id: Option<&str>,
        count: u32,
        offset: u64,
    ) -> Result<Page, StoreError> {
        let conn = self.conn();
        let filter = "(?1 IS NULL OR patient = ?1) AND (?2 IS NULL OR id = ?2)";
        let total: i64 = conn.query_row(
            &format!("SELECT COUNT(*) FROM media WHERE {filter}"),
            params![patient, id],
            |row| row.get(0),
        )?;
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let mut statement = conn.prepare(&format!(
            "SELECT id, resource FROM media WHERE {filter} ORDER BY seq LIMIT ?3 OFFSET ?4"
        ))?;
        let rows = statement
            .query_map(params![patient, id, count, offset], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?
            .collect::<Result<Vec<(String, String)>, _>>()?;
        Ok(Page {
            total: u64::try_from(total).unwrap_or(0),
            rows,
        })
    }

    /// Deletes every Media (dev reset).
    pub fn clear(&self) -> Result<(), StoreError> {
        self.conn().execute_batch(
            "DELETE FROM media; DELETE FROM sqlite_sequence WHERE name = 'media';",
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("fme-store-{name}-{}", uuid::Uuid::new_v4()));
        dir
    }

    #[test]
    fn rows_survive_reopening_and_page_in_creation_order() {
        let dir = temp_dir("reopen");
        {
            let store = Store::open(&dir).unwrap();
            for i in 0..3 {
                let id = format!("id{i}");
                store
                    .insert(&NewRecord {
                        id: &id,
                        patient: "Patient/p",
                        content_type: "image/png",
                        resource_json: "{}",
                        data: &[i as u8, 0, 0xFF],
                    })
                    .unwrap();
            }
        }
        let store = Store::open(&dir).unwrap();
        let page = store.search(Some("Patient/p"), None, 2, 1).unwrap();
        assert_eq!(page.total, 3);
        let ids: Vec<_> = page.rows.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(ids, ["id1", "id2"]);
        assert_eq!(store.content("id2").unwrap().unwrap().1, vec![2, 0, 0xFF]);
        store.clear().unwrap();
        assert_eq!(
            store.search(Some("Patient/p"), None, 10, 0).unwrap().total,
            0
        );
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
    }
}
