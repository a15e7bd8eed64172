//! Where a redaction reads and writes, decided once, before any work, on
//! canonical paths.
//!
//! Paths are compared after resolving symbolic links and `..`: `-o
//! other/../victim/clean`, a symlinked parent (`self -> .`) or a relative
//! path that names the input another way would otherwise put the output
//! inside the input, replace the input, or delete it with `--force`. A path
//! airlock writes (the output, `--report`, `--map`) is located by its
//! parent's canonical path and its own name: that is the entry a rename
//! replaces (a symbolic link at that name is replaced, not followed). When
//! the entry already exists, where it leads is checked too, and so is where
//! `--key-file` leads (it is read).
//!
//! Refused, each with a message naming the conflict: the output inside the
//! input, the input inside the output, the output equal to the input;
//! `--report`, `--map` and `--key-file` inside the input or the output (or
//! equal to the input); two of them at one path; an output name asking for
//! a form airlock cannot write; an existing output without `--force`.

use std::fs;
use std::path::{Path, PathBuf};

use crate::bundle::Form;

/// What the input is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Standard input (`-`).
    Stdin,
    /// A directory tree.
    Dir(PathBuf),
    /// A regular file.
    File(PathBuf),
    /// Something that can be read only once: a FIFO, `<(…)`, a device.
    Stream(PathBuf),
}

/// Where the output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Stdout,
    Path {
        /// As given (for messages).
        given: PathBuf,
        /// The entry a rename replaces: canonical parent joined with the name.
        location: PathBuf,
        /// The canonical parent directory (temporaries go here).
        parent: PathBuf,
    },
}

/// A file airlock writes besides the output (`--report`, `--map`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    pub given: PathBuf,
    pub location: PathBuf,
    pub parent: PathBuf,
}

/// Everything a run reads and writes, checked.
#[derive(Debug, Clone)]
pub struct Plan {
    pub source: Source,
    /// The canonical input (none for stdin).
    pub input_canonical: Option<PathBuf>,
    pub target: Target,
    /// The form the output name asks for.
    pub form: Form,
    /// Whether the output is a directory (a directory input, written as one).
    pub output_is_dir: bool,
    pub report: Option<Side>,
    pub map: Option<Side>,
    /// Where the output's temporaries and spools go: the output's
    /// directory, or the system's temporary directory for stdout.
    pub work_dir: PathBuf,
}

/// The paths a run is asked to use.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    pub input: &'a Path,
    pub output: &'a Path,
    pub report: Option<&'a Path>,
    pub map: Option<&'a Path>,
    pub key_file: Option<&'a Path>,
    pub force: bool,
}

fn shown(p: &Path) -> String {
    p.display().to_string()
}

/// `p` made absolute with symbolic links and `..` resolved: the nearest
/// existing ancestor canonicalized, the rest (which does not exist, so holds
/// no link) joined lexically.
fn resolve(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut base = abs.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = fs::canonicalize(base) {
            let mut out = c;
            for comp in rest.iter().rev() {
                match comp {
                    std::path::Component::ParentDir => {
                        out.pop();
                    }
                    std::path::Component::CurDir => {}
                    c => out.push(c.as_os_str()),
                }
            }
            return out;
        }
        match (base.parent(), base.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                base = parent;
            }
            _ => return abs,
        }
    }
}

/// The entry at `p` a rename would replace: the parent resolved (see
/// [`resolve`]) joined with the name, and the parent.
fn locate(p: &Path, what: &str) -> Result<(PathBuf, PathBuf), String> {
    let Some(name) = p.file_name() else {
        return Err(format!("{what} {}: names no file", shown(p)));
    };
    let parent = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let parent = resolve(parent);
    Ok((parent.join(name), parent))
}

/// The directory a written path goes into must exist.
fn parent_exists(given: &Path, parent: &Path, what: &str) -> Result<(), String> {
    if parent.is_dir() {
        Ok(())
    } else {
        Err(format!(
            "{what} {}: its directory {} does not exist",
            shown(given),
            shown(parent)
        ))
    }
}

/// Where an existing entry leads (symbolic links followed).
fn leads_to(p: &Path) -> Option<PathBuf> {
    fs::canonicalize(p).ok()
}

impl Plan {
    /// Check the paths of a run; the message names the conflict.
    pub fn new<'a>(a: Asked<'a>) -> Result<Plan, String> {
        // The form the output asks for, before anything else.
        let form = if a.output.as_os_str() == "-" {
            Form::default()
        } else {
            let name = a
                .output
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Form::for_output_name(&name).map_err(|e| e.to_string())?
        };

        let (source, input_canonical) = if a.input.as_os_str() == "-" {
            (Source::Stdin, None)
        } else {
            let md = fs::metadata(a.input)
                .map_err(|_| format!("{}: no such file or directory", shown(a.input)))?;
            // `<(…)` is `/dev/fd/N`, a link to a pipe that has no path:
            // such an input is itself.
            let c = fs::canonicalize(a.input)
                .or_else(|e| {
                    if md.is_dir() || md.is_file() {
                        Err(e)
                    } else {
                        std::path::absolute(a.input)
                    }
                })
                .map_err(|e| format!("{}: {e}", shown(a.input)))?;
            let source = if md.is_dir() {
                Source::Dir(a.input.to_path_buf())
            } else if md.is_file() {
                Source::File(a.input.to_path_buf())
            } else {
                Source::Stream(a.input.to_path_buf())
            };
            (source, Some(c))
        };
        let is_dir = matches!(source, Source::Dir(_));
        if is_dir && form.gzip == Some(true) && !form.tar {
            return Err(format!(
                "{}: a directory cannot be written as one .gz file; name the output .tar.gz",
                shown(a.output)
            ));
        }

        let target = if a.output.as_os_str() == "-" {
            if is_dir {
                return Err(
                    "a directory input needs a directory output (or a .tar.gz), not stdout".into(),
                );
            }
            Target::Stdout
        } else {
            let (location, parent) = locate(a.output, "the output")?;
            Target::Path {
                given: a.output.to_path_buf(),
                location,
                parent,
            }
        };

        // Directories that must exist, checked after the conflicts (a map
        // inside an output directory yet to be made is refused as such).
        let mut parents: Vec<(&Path, PathBuf, &str)> = Vec::new();
        if let Target::Path { parent, given, .. } = &target {
            parents.push((given.as_path(), parent.clone(), "the output"));
        }
        // Every path written, and where it leads if it exists.
        let mut written: Vec<(&str, &'a Path, PathBuf, Option<PathBuf>)> = Vec::new();
        if let Target::Path { location, .. } = &target {
            written.push(("the output", a.output, location.clone(), leads_to(a.output)));
        }
        let mut side = |what: &'static str, p: Option<&'a Path>| -> Result<Option<Side>, String> {
            let Some(p) = p else {
                return Ok(None);
            };
            let (location, parent) = locate(p, what)?;
            parents.push((p, parent.clone(), what));
            if location.is_dir() {
                return Err(format!("{what} {}: is a directory", shown(p)));
            }
            written.push((what, p, location.clone(), leads_to(p)));
            Ok(Some(Side {
                given: p.to_path_buf(),
                location,
                parent,
            }))
        };
        let report = side("--report", a.report)?;
        let map = side("--map", a.map)?;
        let key = match a.key_file {
            Some(k) => {
                let (location, _) = locate(k, "--key-file")?;
                Some((k, location, leads_to(k)))
            }
            None => None,
        };

        // The input against everything written.
        if let Some(input) = &input_canonical {
            for (what, given, loc, lead) in &written {
                let hits = |p: &Path| p.starts_with(input) || input.starts_with(p);
                if hits(loc) || lead.as_deref().is_some_and(|l| l.starts_with(input)) {
                    return Err(match *what {
                        "the output" if loc == input => format!(
                            "the output {} is the input {}",
                            shown(given),
                            shown(a.input)
                        ),
                        "the output" if input.starts_with(loc) => format!(
                            "the input {} is inside the output {}; the output must be outside the input and the input outside the output",
                            shown(a.input),
                            shown(given)
                        ),
                        "the output" => format!(
                            "the output {} is inside the input {}; the output must be outside the input and the input outside the output",
                            shown(given),
                            shown(a.input)
                        ),
                        _ if input.starts_with(loc) => format!(
                            "{what} {} would replace the input {} or a directory holding it",
                            shown(given),
                            shown(a.input)
                        ),
                        _ => format!(
                            "{what} {} is inside the input {}; keep it out of the bundle",
                            shown(given),
                            shown(a.input)
                        ),
                    });
                }
            }
            if let Some((k, loc, lead)) = &key {
                if loc.starts_with(input) || lead.as_deref().is_some_and(|l| l.starts_with(input)) {
                    return Err(format!(
                        "--key-file {} is inside the input {}; it would be copied into the output",
                        shown(k),
                        shown(a.input)
                    ));
                }
            }
        }
        // The output against the others.
        if let Target::Path { location: out, .. } = &target {
            let out_lead = leads_to(a.output);
            let inside = |p: &Path| {
                p.starts_with(out) || out_lead.as_deref().is_some_and(|o| p.starts_with(o))
            };
            for (what, given, loc, lead) in written.iter().skip(1) {
                if inside(loc) || lead.as_deref().is_some_and(inside) {
                    return Err(format!(
                        "{what} {} is inside the output {}; keep it out of what you send",
                        shown(given),
                        shown(a.output)
                    ));
                }
            }
            if let Some((k, loc, lead)) = &key {
                if inside(loc) || lead.as_deref().is_some_and(inside) {
                    return Err(format!(
                        "--key-file {} is inside the output {}; keep it out of what you send",
                        shown(k),
                        shown(a.output)
                    ));
                }
            }
        }
        // No two at one path.
        let mut all: Vec<(&str, &Path, &PathBuf)> =
            written.iter().map(|(w, g, l, _)| (*w, *g, l)).collect();
        if let Some((k, loc, _)) = &key {
            all.push(("--key-file", k, loc));
        }
        for (i, (w1, g1, l1)) in all.iter().enumerate() {
            for (w2, g2, l2) in &all[i + 1..] {
                if l1 == l2 {
                    return Err(format!(
                        "{w1} {} and {w2} {} are the same file",
                        shown(g1),
                        shown(g2)
                    ));
                }
            }
        }

        for (given, parent, what) in &parents {
            parent_exists(given, parent, what)?;
        }
        if let Target::Path { location, .. } = &target {
            if fs::symlink_metadata(location).is_ok() && !a.force {
                return Err(format!(
                    "{}: exists; use --force to replace it",
                    shown(a.output)
                ));
            }
        }
        let work_dir = match &target {
            Target::Path { parent, .. } => parent.clone(),
            Target::Stdout => std::env::temp_dir(),
        };
        Ok(Plan {
            output_is_dir: is_dir && !form.is_stream(),
            source,
            input_canonical,
            target,
            form,
            report,
            map,
            work_dir,
        })
    }

    /// Directories this run writes temporaries into (for the leftovers of
    /// killed runs).
    pub fn temp_dirs(&self) -> Vec<PathBuf> {
        let mut v = vec![self.work_dir.clone()];
        for s in [&self.report, &self.map].into_iter().flatten() {
            v.push(s.parent.clone());
        }
        v.sort();
        v.dedup();
        v
    }
}
