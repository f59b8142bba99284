//! Outputs written whole or not at all.
//!
//! A report, a 通报 or an evidence package is never truncated in place: every file is written
//! to a temporary name in its own directory, flushed to disk (fsync), and renamed over the old
//! one, so a kill, a full disk or a signal leaves the previous complete file or the new
//! complete one. A set of files ([`Staged`]) is written in full before the first rename, so
//! the only moment a reader can see old and new side by side is the few microseconds of the
//! renames. A directory that zwgk owns whole (the evidence package, a month's 通报) is built
//! beside the old one and swapped in with one `renameat2(RENAME_EXCHANGE)`.
//!
//! Temporary names are `.NAME.zwgk-tmp-PID`; [`remove_pending`] deletes this process's when a
//! second signal ends it at once, and leftovers of a killed process are removed the next
//! time the same file is written.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Temporary files and directories of this process not yet renamed into place.
static PENDING: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

const TMP_MARK: &str = ".zwgk-tmp-";

fn register(path: &Path) {
    if let Ok(mut pending) = PENDING.lock() {
        pending.insert(path.to_path_buf());
    }
}

fn unregister(path: &Path) {
    if let Ok(mut pending) = PENDING.lock() {
        pending.remove(path);
    }
}

/// Deletes every temporary file and directory of this process (used on a forced exit).
pub fn remove_pending() {
    let paths: Vec<PathBuf> = match PENDING.lock() {
        Ok(mut pending) => std::mem::take(&mut *pending).into_iter().collect(),
        Err(_) => return,
    };
    for path in paths {
        let _ = if path.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
    }
}

/// `dir/.NAME.zwgk-tmp-PID` for `dir/NAME`.
fn temp_path(target: &Path) -> io::Result<PathBuf> {
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "an output needs a file name"))?;
    let mut temp = std::ffi::OsString::from(".");
    temp.push(name);
    temp.push(format!("{TMP_MARK}{}", std::process::id()));
    Ok(target.with_file_name(temp))
}

/// Removes temporaries of `target` left by processes that no longer run.
fn remove_stale(target: &Path) {
    let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!(".{}{TMP_MARK}", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = file_name.strip_prefix(&prefix) else {
            continue;
        };
        let alive = pid
            .parse::<u32>()
            .is_ok_and(|pid| pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let path = entry.path();
            let _ = if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
        }
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    File::open(dir)?.sync_all()
}

/// Writes `bytes` to `path` whole: temporary file, fsync, rename, fsync of the directory.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut staged = Staged::default();
    staged.add(path, bytes)?;
    staged.commit()
}

/// Several files replaced together: each is written and flushed under a temporary name by
/// [`Staged::add`]; [`Staged::commit`] renames them all. Dropped uncommitted, it deletes its
/// temporaries and leaves every old file as it was.
#[derive(Debug, Default)]
pub struct Staged {
    files: Vec<(PathBuf, PathBuf)>,
}

impl Staged {
    pub fn add(&mut self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent)?;
        }
        remove_stale(path);
        let temp = temp_path(path)?;
        register(&temp);
        let written = (|| {
            let mut file = File::create(&temp)?;
            file.write_all(bytes)?;
            file.sync_all()
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            unregister(&temp);
            return Err(e);
        }
        self.files.push((temp, path.to_path_buf()));
        Ok(())
    }

    /// Renames every file into place and makes the renames durable.
    pub fn commit(mut self) -> io::Result<()> {
        let files = std::mem::take(&mut self.files);
        let mut dirs = BTreeSet::new();
        for (temp, path) in &files {
            fs::rename(temp, path)?;
            unregister(temp);
            dirs.insert(path.parent().map(Path::to_path_buf).unwrap_or_default());
        }
        for dir in dirs {
            sync_dir(&dir)?;
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for (temp, _) in self.files.drain(..) {
            let _ = fs::remove_file(&temp);
            unregister(&temp);
        }
    }
}

/// A directory built beside `target` and swapped in whole by [`StagedDir::commit`]. Dropped
/// uncommitted, it is deleted and `target` is untouched.
#[derive(Debug)]
pub struct StagedDir {
    staging: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl StagedDir {
    pub fn new(target: &Path) -> io::Result<StagedDir> {
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent)?;
        }
        remove_stale(target);
        let staging = temp_path(target)?;
        if staging.exists() {
            fs::remove_dir_all(&staging)?;
        }
        register(&staging);
        fs::create_dir(&staging)?;
        Ok(StagedDir {
            staging,
            target: target.to_path_buf(),
            committed: false,
        })
    }

    /// Where the new files go until the swap.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Swaps the new directory in: one atomic exchange when `target` exists (the old one then
    /// sits at the staging name and is deleted), a rename when it does not.
    pub fn commit(mut self) -> io::Result<()> {
        for entry in fs::read_dir(&self.staging)? {
            File::open(entry?.path())?.sync_all()?;
        }
        sync_dir(&self.staging)?;
        if self.target.exists() {
            exchange(&self.staging, &self.target)?;
            fs::remove_dir_all(&self.staging)?;
        } else {
            fs::rename(&self.staging, &self.target)?;
        }
        unregister(&self.staging);
        self.committed = true;
        sync_dir(self.target.parent().unwrap_or(Path::new(".")))
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
            unregister(&self.staging);
        }
    }
}

/// Exchanges two directory entries atomically. A file system without `RENAME_EXCHANGE`
/// (some network mounts) gets two renames instead, and a short moment without `target`.
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {
            let aside = a.with_extension("zwgk-old");
            fs::rename(b, &aside)?;
            fs::rename(a, b)?;
            fs::rename(&aside, a)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("readable")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_dropped_set_leaves_the_old_files_and_no_temporaries() {
        let dir = tempfile::tempdir().expect("temp dir");
        let html = dir.path().join("report.html");
        let json = dir.path().join("report.json");
        write(&html, b"old html").expect("written");
        write(&json, b"old json").expect("written");
        {
            let mut staged = Staged::default();
            staged.add(&html, b"new html").expect("staged");
            // The second file fails (its parent is a file): nothing may change.
            assert!(staged.add(&html.join("x"), b"x").is_err());
        }
        assert_eq!(fs::read(&html).expect("read"), b"old html");
        assert_eq!(fs::read(&json).expect("read"), b"old json");
        assert_eq!(names(dir.path()), ["report.html", "report.json"]);
        let mut staged = Staged::default();
        staged.add(&html, b"new html").expect("staged");
        staged.add(&json, b"new json").expect("staged");
        staged.commit().expect("committed");
        assert_eq!(fs::read(&html).expect("read"), b"new html");
        assert_eq!(names(dir.path()), ["report.html", "report.json"]);
    }

    #[test]
    fn a_killed_writers_temporary_is_removed_next_time() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("report.csv");
        // pid 0 is never a running process's id.
        fs::write(dir.path().join(".report.csv.zwgk-tmp-0"), b"half").expect("written");
        write(&target, b"whole").expect("written");
        assert_eq!(names(dir.path()), ["report.csv"]);
    }

    #[test]
    fn a_directory_is_swapped_whole() {
        let root = tempfile::tempdir().expect("temp dir");
        let target = root.path().join("evidence");
        fs::create_dir(&target).expect("dir");
        fs::write(target.join("a.warc.gz"), b"old").expect("written");
        let staged = StagedDir::new(&target).expect("staged");
        fs::write(staged.path().join("b.warc.gz"), b"new").expect("written");
        drop(staged);
        assert_eq!(names(&target), ["a.warc.gz"]);
        assert_eq!(names(root.path()), ["evidence"]);
        let staged = StagedDir::new(&target).expect("staged");
        fs::write(staged.path().join("b.warc.gz"), b"new").expect("written");
        staged.commit().expect("swapped");
        assert_eq!(names(&target), ["b.warc.gz"]);
        assert_eq!(names(root.path()), ["evidence"]);
    }
}
