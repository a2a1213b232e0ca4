//! Crash safety for bulk jobs: a journal of what was sent and what came back.
//!
//! A job given a [`Journal`] (through [`super::BulkOptions::journal`]) records, before each
//! call, the rows it carries and the attempt, and waits for that record to be durable; after
//! the call it records each row's outcome, durably, before any of those rows can be sent
//! again. When the process dies at any point, the journal tells which rows were applied or
//! refused, and which were sent without an answer (their outcome is unknown). A job started
//! again with the same journal does not resend a row the journal settles: it yields that row as
//! [`super::RowOutcome::Recorded`] and sends only the rest. Rows whose call was sent but never
//! answered are yielded as [`super::RowOutcome::Unknown`] and not resent unless
//! [`super::BulkOptions::resend_unknown`] says so; rows the journal records as not applied or
//! not attempted are sent again.
//!
//! [`FileJournal`] keeps the journal in a file of JSON lines, appended to and synced
//! (`fsync`) at each step. Its first line names the job, so a journal is not resumed against
//! another input by mistake.

use std::collections::HashMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// What a journal keeps of one row's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RowRecord {
    /// The row's 0-based position in the job's input.
    pub index: usize,
    /// What happened to it.
    pub outcome: OutcomeKind,
    /// The id of the record the row created, when the answer names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The server's exception type for the row or its call, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception_type: Option<String>,
    /// A message: the server's, or what the client knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl RowRecord {
    /// A record of `outcome` for the row at `index`.
    pub fn new(index: usize, outcome: OutcomeKind) -> Self {
        Self {
            index,
            outcome,
            id: None,
            exception_type: None,
            message: None,
        }
    }

    /// Whether a later run must not send the row again by default: it was applied, refused,
    /// accepted, invalid, or its outcome is unknown.
    pub fn settles(&self) -> bool {
        !matches!(self.outcome, OutcomeKind::NotApplied | OutcomeKind::NotAttempted)
    }
}

/// The kinds of [`super::RowOutcome`], as a journal records them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OutcomeKind {
    /// The answer says the row was applied.
    Applied,
    /// The server accepted the row's call; the endpoint does not answer per row.
    Accepted,
    /// The answer says the row was not applied.
    Refused,
    /// The row's call was provably not processed.
    NotApplied,
    /// The row may or may not have been applied.
    Unknown,
    /// The row was not sent: the job stopped first.
    NotAttempted,
    /// The row was not sent: it breaks a rule of the spec.
    Invalid,
}

impl OutcomeKind {
    /// The kind as the journal and reports spell it, e.g. `not_applied`.
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Applied => "applied",
            OutcomeKind::Accepted => "accepted",
            OutcomeKind::Refused => "refused",
            OutcomeKind::NotApplied => "not_applied",
            OutcomeKind::Unknown => "unknown",
            OutcomeKind::NotAttempted => "not_attempted",
            OutcomeKind::Invalid => "invalid",
        }
    }
}

impl fmt::Display for OutcomeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a bulk job records its calls and outcomes; see the [module docs](self).
///
/// Each method returns only when what it records is durable: the job sends a call only after
/// [`Journal::sending`] returned, and sends a row again only after [`Journal::settled`]
/// returned for it. An error stops the job from sending more.
pub trait Journal: Send + Sync {
    /// What an earlier run recorded for the row at `index`: its last outcome, or `Unknown` when
    /// its call was sent and never answered. `None` when the row was never sent.
    fn previous(&self, index: usize) -> Option<RowRecord>;

    /// A call carrying the rows at `indexes` is about to be sent, for the `attempt`-th time.
    ///
    /// # Errors
    ///
    /// When the record cannot be made durable; the call is then not sent.
    fn sending(&self, indexes: &[usize], attempt: u32) -> io::Result<()>;

    /// The outcomes of rows, once known.
    ///
    /// # Errors
    ///
    /// When the records cannot be made durable; the job then sends nothing more.
    fn settled(&self, records: &[RowRecord]) -> io::Result<()>;
}

/// One line of a journal file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum Line {
    /// The first line: which job the journal belongs to.
    Job { job: String },
    /// A call about to be sent.
    Sending { sending: Vec<usize>, attempt: u32 },
    /// A row's outcome.
    Settled(RowRecord),
}

/// A [`Journal`] kept in a file of JSON lines; see the [module docs](self).
///
/// ```no_run
/// # fn run() -> std::io::Result<()> {
/// use leadsquared::bulk::{BulkOptions, FileJournal};
///
/// let journal = FileJournal::open("deals.journal", "deals.csv 5c1f…")?;
/// println!("{} rows already settled", journal.settled_rows());
/// let options = BulkOptions::default().journal(journal);
/// # Ok(())
/// # }
/// ```
pub struct FileJournal {
    path: PathBuf,
    file: Mutex<File>,
    /// The same file, synced outside the lock, so that one call's sync does not hold back the
    /// next call's write: concurrent syncs of one file overlap in the kernel.
    sync: File,
    previous: HashMap<usize, RowRecord>,
}

impl fmt::Debug for FileJournal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileJournal")
            .field("path", &self.path)
            .field("previous_rows", &self.previous.len())
            .finish_non_exhaustive()
    }
}

impl FileJournal {
    /// Opens the journal at `path` for the job named `job` (e.g. the input file's name and a
    /// digest of its contents), creating it when it does not exist, and reads what an earlier
    /// run recorded. A torn last line (the process died while writing it) is ignored.
    ///
    /// # Errors
    ///
    /// When the file cannot be read or written, when a line other than the last is not a
    /// journal record, or when the journal belongs to another job (its first line names it).
    pub fn open(path: impl AsRef<Path>, job: &str) -> io::Result<Self> {
        let path = path.as_ref().to_path_buf();
        let mut previous = HashMap::new();
        let mut recorded_job = None;
        // The bytes up to the end of the last whole record: a torn last line is cut off before
        // appending, or the next record would be written onto it.
        let mut whole = 0u64;
        let mut size = 0u64;
        if let Ok(existing) = File::open(&path) {
            // One line at a time, so that opening a long journal does not hold its text.
            let mut reader = BufReader::new(existing);
            let mut text = Vec::new();
            let mut number = 0;
            let mut torn: Option<(usize, String)> = None;
            loop {
                text.clear();
                let read = reader.read_until(b'\n', &mut text)?;
                if read == 0 {
                    break;
                }
                number += 1;
                size += read as u64;
                if let Some((line, error)) = torn.take() {
                    // A line that is not a record, followed by more: not a torn last line.
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("{}: line {line} is not a journal record: {error}", path.display()),
                    ));
                }
                let complete = text.last() == Some(&b'\n');
                if text.iter().all(u8::is_ascii_whitespace) {
                    if complete {
                        whole = size;
                    }
                    continue;
                }
                // A record counts once its line is whole: it is synced with its newline, and the
                // call it announces is sent only after that.
                let line = match serde_json::from_slice::<Line>(&text) {
                    Ok(line) if complete => line,
                    Ok(_) => {
                        torn = Some((number, "the line is not finished".to_owned()));
                        continue;
                    }
                    Err(error) => {
                        torn = Some((number, error.to_string()));
                        continue;
                    }
                };
                whole = size;
                match line {
                    Line::Job { job } => recorded_job = Some(job),
                    Line::Sending { sending, .. } => {
                        for index in sending {
                            // Sent: unknown until an outcome says otherwise.
                            let mut record = RowRecord::new(index, OutcomeKind::Unknown);
                            record.message = Some(
                                "the call carrying this row was sent, and the run stopped before its answer was recorded"
                                    .into(),
                            );
                            previous.insert(index, record);
                        }
                    }
                    Line::Settled(record) => {
                        previous.insert(record.index, record);
                    }
                }
            }
        }
        match recorded_job {
            Some(recorded) if recorded != job => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "{} is the journal of another job ({recorded}), not of {job}; use another journal file, or delete it to start over",
                        path.display()
                    ),
                ));
            }
            _ => {}
        }
        if whole < size {
            // The process died while writing the last line: the call it recorded was not sent
            // (sending waits for the record) or its outcome is unknown, as read above.
            OpenOptions::new().write(true).open(&path)?.set_len(whole)?;
        }
        let mut file = OpenOptions::new().create(true).append(true).open(&path)?;
        if recorded_job.is_none() {
            if !previous.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} has records but does not name its job", path.display()),
                ));
            }
            write_line(&mut file, &Line::Job { job: job.to_owned() })?;
        }
        Ok(Self {
            path,
            sync: file.try_clone()?,
            file: Mutex::new(file),
            previous,
        })
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many rows an earlier run settled (rows a resumed job will not send).
    pub fn settled_rows(&self) -> usize {
        self.previous.values().filter(|record| record.settles()).count()
    }

    /// What an earlier run recorded, by row index.
    pub fn previous_records(&self) -> impl Iterator<Item = &RowRecord> {
        self.previous.values()
    }

    /// Appends `lines` and returns once they are durable.
    fn append(&self, lines: &[Line]) -> io::Result<()> {
        let mut buffer = Vec::new();
        for line in lines {
            serde_json::to_writer(&mut buffer, line)?;
            buffer.push(b'\n');
        }
        // Whole lines are written under the lock, so records never interleave; the sync that
        // follows covers everything written before it, this call's lines included.
        self.file
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .write_all(&buffer)?;
        self.sync.sync_data()
    }
}

fn write_line(file: &mut File, line: &Line) -> io::Result<()> {
    let mut buffer = serde_json::to_vec(line)?;
    buffer.push(b'\n');
    file.write_all(&buffer)?;
    file.sync_data()
}

impl Journal for FileJournal {
    fn previous(&self, index: usize) -> Option<RowRecord> {
        self.previous.get(&index).cloned()
    }

    fn sending(&self, indexes: &[usize], attempt: u32) -> io::Result<()> {
        self.append(&[Line::Sending {
            sending: indexes.to_vec(),
            attempt,
        }])
    }

    fn settled(&self, records: &[RowRecord]) -> io::Result<()> {
        let lines: Vec<Line> = records.iter().cloned().map(Line::Settled).collect();
        self.append(&lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let path = std::env::temp_dir().join(format!("lsq-journal-{name}-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        path
    }

    #[test]
    fn a_reopened_journal_knows_what_was_settled_and_what_was_sent_unanswered() -> io::Result<()> {
        let path = scratch("reopen");
        let journal = FileJournal::open(&path, "job-1")?;
        journal.sending(&[0, 1, 2], 1)?;
        let mut applied = RowRecord::new(0, OutcomeKind::Applied);
        applied.id = Some("id-0".into());
        journal.settled(&[applied.clone(), RowRecord::new(1, OutcomeKind::NotApplied)])?;
        drop(journal);

        let journal = FileJournal::open(&path, "job-1")?;
        assert_eq!(journal.previous(0), Some(applied));
        assert_eq!(journal.previous(1).map(|r| r.outcome), Some(OutcomeKind::NotApplied));
        assert_eq!(journal.previous(2).map(|r| r.outcome), Some(OutcomeKind::Unknown));
        assert_eq!(journal.previous(3), None);
        assert_eq!(
            journal.settled_rows(),
            2,
            "rows 0 and 2 are settled; row 1 may be sent again"
        );
        std::fs::remove_file(path)
    }

    #[test]
    fn a_torn_last_line_is_ignored_but_a_torn_middle_line_is_an_error() -> io::Result<()> {
        let path = scratch("torn");
        let journal = FileJournal::open(&path, "job")?;
        journal.sending(&[0], 1)?;
        drop(journal);
        let mut file = OpenOptions::new().append(true).open(&path)?;
        file.write_all(b"{\"index\":0,\"outc")?;
        drop(file);
        let journal = FileJournal::open(&path, "job")?;
        assert_eq!(journal.previous(0).map(|r| r.outcome), Some(OutcomeKind::Unknown));
        // The torn line was cut off, so the next record starts on a line of its own.
        journal.sending(&[1], 1)?;
        drop(journal);
        let journal = FileJournal::open(&path, "job")?;
        assert_eq!(journal.previous(1).map(|r| r.outcome), Some(OutcomeKind::Unknown));
        drop(journal);

        let mut file = OpenOptions::new().append(true).open(&path)?;
        file.write_all(b"{\"index\":0,\"outc\n{\"sending\":[2],\"attempt\":1}\n")?;
        drop(file);
        let error = FileJournal::open(&path, "job").unwrap_err();
        assert!(error.to_string().contains("line 4 is not a journal record"), "{error}");
        std::fs::remove_file(path)
    }

    #[test]
    fn a_journal_refuses_another_job() -> io::Result<()> {
        let path = scratch("other");
        drop(FileJournal::open(&path, "deals.csv a1")?);
        let error = FileJournal::open(&path, "deals.csv b2").unwrap_err();
        assert!(
            error.to_string().contains("the journal of another job (deals.csv a1)"),
            "{error}"
        );
        std::fs::remove_file(path)
    }
}
