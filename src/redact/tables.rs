//! Tables: values that only their column's header names.
//!
//! # Why
//!
//! A query's output puts a header on one line and the values on the
//! following ones: `COPY public.users (id, username, otp_secret) FROM
//! stdin;` and its tab-separated rows, psql's aligned and expanded tables,
//! MySQL's boxed ones, a Rails console's `User.pluck(:username,
//! :otp_secret)` and its `=> [[…], […]]`, a CSV export. Nothing beside an
//! OTP secret or a token digest in a row says what it is, so no rule can
//! find it, and `verify` cannot either.
//!
//! Learning reads each member's lines in order ([`Tables::feed`]), keeps
//! the header of the table it is in, and hands over the cells of columns
//! whose name says they hold a credential (`otp_secret`,
//! `encrypted_password`, `token_digest`, …) or a user (`username`,
//! `usename`, `login`). The credentials are then masked wherever they
//! stand, as learned literals, and searched for again by verification; the
//! users are learned as any other user is.
//!
//! # Cost
//!
//! Outside a table only the places where one can start are looked at: the
//! chunk's search for [`Tables::starts`] runs on the scanning threads, and
//! a member without a table costs nothing more.

use std::sync::OnceLock;

use super::secrets::is_spreadable;
use super::MASK_OPEN;

/// What a column holds, judged by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Secret,
    User,
    Name,
    Other,
}

/// Words of a column name that make it a credential's.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "salt",
    "digest",
    "otp",
    "private_key",
    "api_key",
    "apikey",
    "access_key",
    "signing_key",
    "credential",
    "encrypted",
    "passphrase",
    "cookie",
    "authentication_string",
];

/// Endings of a column name that describe a credential instead of holding
/// one: when it was set, how long it lives, whether it is required.
const NOT_SECRET_ENDINGS: &[&str] = &[
    "_at",
    "_on",
    "_id",
    "_ids",
    "_type",
    "_count",
    "_enabled",
    "_required",
    "_required_for_login",
    "_expires",
    "_expiry",
    "_length",
    "_method",
    "_scope",
    "_scopes",
    "_name",
    "_prefix",
    "_version",
    "_strategy",
    "_attempts",
    "_grace_period",
    "_duration",
    "_seconds",
    "_days",
];

fn column(name: &str) -> Column {
    let name = name
        .trim()
        .trim_matches(|c| matches!(c, '"' | '\'' | '`' | ':'));
    // `u.otp_secret`, `users.username`, `"users"."username"`.
    let name = name.rsplit('.').next().unwrap_or(name);
    let name = name
        .trim_matches(|c| matches!(c, '"' | '`'))
        .to_ascii_lowercase();
    if name.starts_with("is_") || name.starts_with("has_") {
        return Column::Other;
    }
    // A Vault AppRole's `secret_id` is one, unlike other `_id`s.
    if name == "secret_id" || name == "auth" || name.ends_with("_auth") {
        return Column::Secret;
    }
    if SECRET_WORDS.iter().any(|w| name.contains(w))
        && !NOT_SECRET_ENDINGS.iter().any(|e| name.ends_with(e))
    {
        return Column::Secret;
    }
    match name.as_str() {
        "username" | "user" | "user_name" | "usename" | "login" | "user_login"
        | "author_username" | "sam_account_name" | "samaccountname" | "uid" => Column::User,
        "author_name" | "committer_name" | "full_name" | "person_name" => Column::Name,
        _ => Column::Other,
    }
}

/// What the tables of a member taught.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Found {
    pub secrets: Vec<String>,
    pub users: Vec<String>,
    pub names: Vec<String>,
}

#[derive(Debug)]
enum State {
    Outside,
    /// `COPY … (cols) FROM stdin;` until `\.`.
    Copy(Vec<Column>),
    /// `INSERT INTO t (cols) VALUES` whose rows go on past its line.
    Insert(Vec<Column>),
    /// psql's aligned table, until a blank line or `(N rows)`.
    Psql(Vec<Column>),
    /// psql's `\x` records: `name | value` lines.
    Expanded,
    /// Vault's and Consul's `Key  Value` listing over `---  -----`:
    /// `name  value` lines until a blank one.
    KeyValue,
    /// MySQL's box: header line, then a border, then rows to a border.
    MysqlHeader,
    MysqlBorder(Vec<Column>),
    Mysql(Vec<Column>),
    /// A Rails console command; its `=>` result is awaited for a few lines.
    RubyWait(Vec<Column>, u8),
    /// The result's text so far, and its bracket depth.
    Ruby(Vec<Column>, Vec<u8>, i32),
    /// A CSV export, from its header (a member's first line) to its end.
    Csv(Vec<Column>, u8),
}

/// Reads one member's lines in order and collects what its tables' columns
/// name (see the module docs).
#[derive(Debug)]
pub struct Tables {
    state: State,
    /// The line before the one being read (a psql header sits right above
    /// its dashes, perhaps at the end of the previous chunk).
    prev: Vec<u8>,
    /// A line cut by the end of a chunk.
    partial: Vec<u8>,
    first_line: bool,
    found: Found,
}

/// Longest line carried over a chunk's end, or kept as a Rails result.
const LINE_MAX: usize = 1 << 20;

/// Literals one of which a line that opens a table holds; those of the
/// dashed and boxed lines under a header (psql, MySQL, Vault) with the line
/// feed before them.
///
/// Each is searched on its own (`memmem` looks for a literal's rarest
/// bytes). Measured on the benchmark tree: one Aho-Corasick automaton of
/// them all made learning 60% slower, since `ins`, `.ma` and `plu` start
/// words in every log; these searches cost 5%.
const STARTS: [&[u8]; 8] = [
    b"FROM stdin",
    b"INSERT INTO",
    b"insert into",
    b"pluck(",
    b".map",
    b"[ RECORD",
    b"\n--",
    b"\n+-",
];

fn start_finders() -> &'static [memchr::memmem::Finder<'static>; 8] {
    static F: OnceLock<[memchr::memmem::Finder<'static>; 8]> = OnceLock::new();
    F.get_or_init(|| STARTS.map(memchr::memmem::Finder::new))
}

impl Default for Tables {
    fn default() -> Self {
        Tables::new()
    }
}

impl Tables {
    pub fn new() -> Tables {
        Tables {
            state: State::Outside,
            prev: Vec::new(),
            partial: Vec::new(),
            first_line: true,
            found: Found::default(),
        }
    }

    /// Offsets in `chunk` where a table may start (run on any thread).
    pub fn starts(chunk: &[u8]) -> Vec<usize> {
        let mut out = Vec::new();
        // A chunk starts at a line's start, which no line feed shows.
        if chunk.first().is_some_and(|b| matches!(b, b'-' | b'+')) {
            out.push(0);
        }
        for f in start_finders() {
            // A literal after its line feed starts on the next byte.
            let skip = usize::from(f.needle()[0] == b'\n');
            out.extend(f.find_iter(chunk).map(|i| i + skip));
        }
        out.sort_unstable();
        out
    }

    /// Read the next chunk of the member; `starts` is
    /// [`Tables::starts`]`(chunk)`.
    pub fn feed(&mut self, chunk: &[u8], starts: &[usize]) {
        let mut at = 0;
        if !self.partial.is_empty() {
            let Some(nl) = memchr::memchr(b'\n', chunk) else {
                self.carry(chunk);
                return;
            };
            let mut line = std::mem::take(&mut self.partial);
            line.extend_from_slice(&chunk[..nl]);
            self.line(&line);
            at = nl + 1;
        }
        let mut next_start = 0;
        while at < chunk.len() {
            if matches!(self.state, State::Outside) && !self.first_line {
                // Jump to the next line that holds a start.
                while next_start < starts.len() && starts[next_start] < at {
                    next_start += 1;
                }
                let Some(&s) = starts.get(next_start) else {
                    self.skip_to_end(chunk, at);
                    return;
                };
                let line_start = memchr::memrchr(b'\n', &chunk[at..s]).map_or(at, |i| at + i + 1);
                if line_start > at {
                    let prev_start = memchr::memrchr(b'\n', &chunk[at..line_start - 1])
                        .map_or(at, |i| at + i + 1);
                    self.prev.clear();
                    self.prev
                        .extend_from_slice(&chunk[prev_start..line_start - 1]);
                }
                at = line_start;
            }
            let Some(nl) = memchr::memchr(b'\n', &chunk[at..]) else {
                self.carry(&chunk[at..]);
                return;
            };
            let line = &chunk[at..at + nl];
            self.line(line);
            at += nl + 1;
        }
    }

    /// The member's end: a last line without its line feed is read.
    pub fn finish(mut self) -> Found {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.line(&line);
        }
        self.close();
        self.found
    }

    fn carry(&mut self, rest: &[u8]) {
        if self.partial.len() + rest.len() <= LINE_MAX {
            self.partial.extend_from_slice(rest);
        } else {
            self.partial.clear();
        }
    }

    /// Outside a table with no start left in the chunk: remember its last
    /// line (a psql header above the next chunk's dashes) and any cut one.
    fn skip_to_end(&mut self, chunk: &[u8], at: usize) {
        let rest = &chunk[at..];
        match memchr::memrchr(b'\n', rest) {
            Some(i) => {
                let before = &rest[..i];
                let s = memchr::memrchr(b'\n', before).map_or(0, |j| j + 1);
                self.prev.clear();
                self.prev.extend_from_slice(&before[s..]);
                self.carry(&rest[i + 1..]);
            }
            None => self.carry(rest),
        }
    }

    fn line(&mut self, raw: &[u8]) {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        let first = std::mem::replace(&mut self.first_line, false);
        let state = std::mem::replace(&mut self.state, State::Outside);
        self.state = match state {
            State::Outside => self.open(line, first),
            State::Copy(cols) => {
                if line == b"\\." {
                    State::Outside
                } else {
                    let cells = line.split(|b| *b == b'\t').map(copy_unescape);
                    self.row(&cols, cells);
                    State::Copy(cols)
                }
            }
            State::Insert(cols) => {
                self.sql_tuples(&cols, line);
                if ends_statement(line) {
                    State::Outside
                } else {
                    State::Insert(cols)
                }
            }
            State::Psql(cols) => {
                let t = trim(line);
                // psql starts every row with a space.
                if t.is_empty()
                    || !line.starts_with(b" ")
                    || (t.starts_with(b"(") && t.ends_with(b")"))
                {
                    State::Outside
                } else {
                    let cells: Vec<&[u8]> = line.split(|b| *b == b'|').map(trim).collect();
                    if cells.len() == cols.len() {
                        self.row(&cols, cells.into_iter().map(<[u8]>::to_vec));
                    }
                    State::Psql(cols)
                }
            }
            State::Expanded => {
                let t = trim(line);
                if t.starts_with(b"-[ RECORD") {
                    State::Expanded
                } else if t.is_empty() || (t.starts_with(b"(") && t.ends_with(b")")) {
                    State::Outside
                } else {
                    if let Some(bar) = memchr::memchr(b'|', line) {
                        let name = String::from_utf8_lossy(trim(&line[..bar]));
                        let col = column(&name);
                        self.cell(col, trim(&line[bar + 1..]).to_vec());
                    }
                    State::Expanded
                }
            }
            State::KeyValue => {
                let t = trim(line);
                if t.is_empty() {
                    State::Outside
                } else {
                    if let Some(gap) = t.iter().position(u8::is_ascii_whitespace) {
                        let name = String::from_utf8_lossy(&t[..gap]);
                        self.cell(column(&name), trim(&t[gap..]).to_vec());
                    }
                    State::KeyValue
                }
            }
            State::MysqlHeader => match boxed_cells(line) {
                Some(names) => {
                    State::MysqlBorder(names.iter().map(|n| column(&lossy(n))).collect())
                }
                None => self.open(line, false),
            },
            State::MysqlBorder(cols) => {
                if is_mysql_border(line) {
                    State::Mysql(cols)
                } else {
                    State::Outside
                }
            }
            State::Mysql(cols) => match boxed_cells(line) {
                Some(cells) if cells.len() == cols.len() => {
                    self.row(&cols, cells.into_iter().map(<[u8]>::to_vec));
                    State::Mysql(cols)
                }
                _ => State::Outside,
            },
            State::RubyWait(cols, left) => {
                let t = trim(line);
                if let Some(result) = t.strip_prefix(b"=>") {
                    self.ruby_text(cols, Vec::new(), 0, result)
                } else if left == 0 {
                    self.open(line, false)
                } else {
                    State::RubyWait(cols, left - 1)
                }
            }
            State::Ruby(cols, text, depth) => self.ruby_text(cols, text, depth, line),
            State::Csv(cols, sep) => {
                let cells = csv_cells(line, sep);
                if cells.len() == cols.len() {
                    self.row(&cols, cells.into_iter());
                }
                State::Csv(cols, sep)
            }
        };
        self.prev.clear();
        self.prev.extend_from_slice(line);
    }

    /// A table that ends with the member (a Rails result cut short).
    fn close(&mut self) {
        if let State::Ruby(cols, text, _) = std::mem::replace(&mut self.state, State::Outside) {
            self.ruby_values(&cols, &text);
        }
    }

    /// Does `line` open a table? Its state if so.
    fn open(&mut self, line: &[u8], first: bool) -> State {
        if first {
            if let Some(state) = csv_header(line) {
                return state;
            }
        }
        let t = trim(line);
        if let Some(cols) = copy_header(t) {
            return State::Copy(cols);
        }
        if let Some((cols, rest)) = insert_header(t) {
            self.sql_tuples(&cols, rest);
            return if ends_statement(rest) {
                State::Outside
            } else {
                State::Insert(cols)
            };
        }
        if t.starts_with(b"-[ RECORD") {
            return State::Expanded;
        }
        if is_mysql_border(t) {
            return State::MysqlHeader;
        }
        if is_key_value_header(&self.prev, t) {
            return State::KeyValue;
        }
        if let Some(cols) = psql_header(&self.prev, t) {
            return State::Psql(cols);
        }
        if let Some(cols) = ruby_columns(t) {
            if cols.iter().any(|c| *c != Column::Other) {
                // `=> …` on the command's own line (a pasted session).
                if let Some(i) = find(t, b"=> ") {
                    return self.ruby_text(cols, Vec::new(), 0, &t[i + 2..]);
                }
                return State::RubyWait(cols, 8);
            }
        }
        State::Outside
    }

    fn cell(&mut self, col: Column, value: Vec<u8>) {
        if col == Column::Other || value.is_empty() {
            return;
        }
        let Ok(text) = String::from_utf8(value) else {
            return;
        };
        match col {
            Column::Secret => {
                // Not airlock's own mask (a redacted bundle read again).
                if is_spreadable(text.as_bytes())
                    && memchr::memmem::find(text.as_bytes(), MASK_OPEN).is_none()
                {
                    self.found.secrets.push(text);
                }
            }
            Column::User => self.found.users.push(text),
            Column::Name => self.found.names.push(text),
            Column::Other => {}
        }
    }

    fn row(&mut self, cols: &[Column], cells: impl Iterator<Item = Vec<u8>>) {
        for (col, value) in cols.iter().zip(cells) {
            if !is_null(&value) {
                self.cell(*col, value);
            }
        }
    }

    /// Every `( … )` tuple of SQL values in `text`, by position.
    fn sql_tuples(&mut self, cols: &[Column], text: &[u8]) {
        let mut i = 0;
        let mut depth = 0;
        let mut index = 0;
        while i < text.len() {
            match text[i] {
                b'(' => {
                    depth += 1;
                    if depth == 1 {
                        index = 0;
                    }
                    i += 1;
                }
                b')' => {
                    depth -= 1;
                    i += 1;
                }
                b',' if depth == 1 => {
                    index += 1;
                    i += 1;
                }
                b'\'' => {
                    let (value, end) = sql_string(text, i);
                    if depth == 1 {
                        if let Some(col) = cols.get(index) {
                            self.cell(*col, value);
                        }
                    }
                    i = end;
                }
                _ => i += 1,
            }
        }
    }

    /// Text of a Rails console result, until its brackets close.
    fn ruby_text(
        &mut self,
        cols: Vec<Column>,
        mut text: Vec<u8>,
        mut depth: i32,
        more: &[u8],
    ) -> State {
        let mut quote = None;
        let mut escaped = false;
        for &b in more {
            match quote {
                Some(q) => {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == q {
                        quote = None;
                    }
                }
                None => match b {
                    b'"' | b'\'' => quote = Some(b),
                    b'[' | b'{' => depth += 1,
                    b']' | b'}' => depth -= 1,
                    _ => {}
                },
            }
        }
        text.extend_from_slice(more);
        text.push(b'\n');
        if depth <= 0 || text.len() > LINE_MAX {
            self.ruby_values(&cols, &text);
            State::Outside
        } else {
            State::Ruby(cols, text, depth)
        }
    }

    /// The strings of a Rails result, each in the column its place in the
    /// innermost array gives (every one in the only column of a one-column
    /// `pluck`).
    fn ruby_values(&mut self, cols: &[Column], text: &[u8]) {
        let mut index: Vec<usize> = Vec::new();
        let mut i = 0;
        while i < text.len() {
            match text[i] {
                b'[' => {
                    index.push(0);
                    i += 1;
                }
                b']' => {
                    index.pop();
                    i += 1;
                }
                b',' => {
                    if let Some(n) = index.last_mut() {
                        *n += 1;
                    }
                    i += 1;
                }
                b'"' | b'\'' => {
                    let (value, end) = ruby_string(text, i);
                    let col = if cols.len() == 1 {
                        Some(cols[0])
                    } else {
                        index.last().and_then(|n| cols.get(*n)).copied()
                    };
                    if let Some(col) = col {
                        self.cell(col, value);
                    }
                    i = end;
                }
                _ => i += 1,
            }
        }
    }
}

fn lossy(b: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(b)
}

fn trim(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

fn is_null(v: &[u8]) -> bool {
    matches!(v, b"" | b"\\N" | b"NULL" | b"null" | b"nil" | b"[NULL]")
}

/// A column list `a, "b", c`: names of plain identifiers only.
fn column_list(list: &[u8]) -> Option<Vec<Column>> {
    let names: Vec<&[u8]> = list.split(|b| *b == b',').map(trim).collect();
    let ident = |n: &&[u8]| {
        !n.is_empty()
            && n.iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'"' | b'`' | b'.' | b'$'))
    };
    if names.iter().all(ident) {
        Some(names.iter().map(|n| column(&lossy(n))).collect())
    } else {
        None
    }
}

/// `COPY [schema.]table (cols) FROM stdin;`
fn copy_header(t: &[u8]) -> Option<Vec<Column>> {
    if !t.starts_with(b"COPY ") || !t.ends_with(b"FROM stdin;") {
        return None;
    }
    let open = memchr::memchr(b'(', t)?;
    let close = memchr::memrchr(b')', t)?;
    (open < close)
        .then(|| column_list(&t[open + 1..close]))
        .flatten()
}

/// `INSERT INTO t (cols) VALUES …`: the columns and what follows `VALUES`.
fn insert_header(t: &[u8]) -> Option<(Vec<Column>, &[u8])> {
    let at = find(t, b"INSERT INTO").or_else(|| find(t, b"insert into"))?;
    let rest = &t[at + 11..];
    let values = find(rest, b"VALUES").or_else(|| find(rest, b"values"))?;
    let head = &rest[..values];
    let open = memchr::memchr(b'(', head)?;
    let close = memchr::memrchr(b')', head)?;
    if open >= close {
        return None;
    }
    let cols = column_list(&head[open + 1..close])?;
    Some((cols, &rest[values + 6..]))
}

fn ends_statement(line: &[u8]) -> bool {
    trim(line).ends_with(b";")
}

/// A SQL string literal at `text[start] == '\''` (`''` is a quote): its
/// value and the offset after it.
fn sql_string(text: &[u8], start: usize) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut i = start + 1;
    while i < text.len() {
        if text[i] == b'\'' {
            if text.get(i + 1) == Some(&b'\'') {
                out.push(b'\'');
                i += 2;
                continue;
            }
            return (out, i + 1);
        }
        out.push(text[i]);
        i += 1;
    }
    (out, i)
}

/// A Ruby string literal at `text[start]` (`"` or `'`): its value as
/// written between the quotes and the offset after it.
fn ruby_string(text: &[u8], start: usize) -> (Vec<u8>, usize) {
    let q = text[start];
    let mut i = start + 1;
    while i < text.len() {
        match text[i] {
            b'\\' => i += 2,
            b if b == q => return (text[start + 1..i].to_vec(), i + 1),
            b'\n' => break,
            _ => i += 1,
        }
    }
    (Vec::new(), i.min(text.len()))
}

/// A `COPY` cell: `\t`, `\n`, `\\` unescaped.
fn copy_unescape(cell: &[u8]) -> Vec<u8> {
    if !cell.contains(&b'\\') || cell == b"\\N" {
        return cell.to_vec();
    }
    let mut out = Vec::with_capacity(cell.len());
    let mut i = 0;
    while i < cell.len() {
        if cell[i] == b'\\' && i + 1 < cell.len() {
            out.push(match cell[i + 1] {
                b't' => b'\t',
                b'n' => b'\n',
                b'r' => b'\r',
                other => other,
            });
            i += 2;
        } else {
            out.push(cell[i]);
            i += 1;
        }
    }
    out
}

/// psql's dashes under its header: ` a | b ` above `---+---`, or one
/// column's name above as many dashes as its line is wide.
fn psql_header(prev: &[u8], t: &[u8]) -> Option<Vec<Column>> {
    if t.len() < 3 || !t.iter().all(|b| matches!(b, b'-' | b'+')) || !t.starts_with(b"-") {
        return None;
    }
    let prev = prev.strip_suffix(b"\r").unwrap_or(prev);
    let segments = t.split(|b| *b == b'+').count();
    let names: Vec<&[u8]> = prev.split(|b| *b == b'|').map(trim).collect();
    if names.len() != segments {
        return None;
    }
    // One column: its name, centred, is no wider than the dashes.
    if segments == 1 && trim(prev).len() > t.len() {
        return None;
    }
    let ident = |n: &&[u8]| {
        !n.is_empty()
            && n.iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'?' | b'.'))
    };
    if !names.iter().all(ident) {
        return None;
    }
    Some(names.iter().map(|n| column(&lossy(n))).collect())
}

/// `Key   Value` above `---   -----` (vault read, vault kv get, consul).
fn is_key_value_header(prev: &[u8], t: &[u8]) -> bool {
    let words = |b: &[u8]| -> Vec<Vec<u8>> {
        b.split(u8::is_ascii_whitespace)
            .filter(|w| !w.is_empty())
            .map(<[u8]>::to_vec)
            .collect()
    };
    let (head, dashes) = (words(prev), words(t));
    head.len() == 2
        && head[0].eq_ignore_ascii_case(b"key")
        && head[1].eq_ignore_ascii_case(b"value")
        && dashes.len() == 2
        && dashes.iter().all(|d| d.iter().all(|b| *b == b'-'))
}

/// `+----+-------+`
fn is_mysql_border(t: &[u8]) -> bool {
    let t = trim(t);
    t.len() >= 3
        && t.starts_with(b"+-")
        && t.ends_with(b"+")
        && t.iter().all(|b| matches!(b, b'-' | b'+'))
}

/// `| a | b |`: its cells, trimmed.
fn boxed_cells(line: &[u8]) -> Option<Vec<&[u8]>> {
    let t = trim(line);
    let inner = t.strip_prefix(b"|")?.strip_suffix(b"|")?;
    Some(inner.split(|b| *b == b'|').map(trim).collect())
}

/// `User.pluck(:id, :otp_secret)`, `.pluck("users.username")`,
/// `.map { |u| [u.username, u.otp_secret] }`, `.map(&:otp_secret)`.
fn ruby_columns(t: &[u8]) -> Option<Vec<Column>> {
    if let Some(at) = find(t, b".pluck(") {
        let args = &t[at + 7..];
        let close = memchr::memchr(b')', args)?;
        let names: Vec<String> = args[..close]
            .split(|b| *b == b',')
            .map(|a| lossy(trim(a)).into_owned())
            .collect();
        return Some(names.iter().map(|n| column(n)).collect());
    }
    if let Some(at) = find(t, b".map(&:") {
        let rest = &t[at + 7..];
        let end = rest
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))?;
        return Some(vec![column(&lossy(&rest[..end]))]);
    }
    let at = find(t, b".map")?;
    let rest = &t[at + 4..];
    let block = trim(rest);
    let block = block
        .strip_prefix(b"{")
        .or_else(|| block.strip_prefix(b"do"))?;
    let bar = memchr::memchr(b'|', block)?;
    let bar2 = memchr::memchr(b'|', &block[bar + 1..])? + bar + 1;
    let body = trim(&block[bar2 + 1..]);
    let (open, close) = (memchr::memchr(b'[', body), memchr::memrchr(b']', body));
    let list = match (open, close) {
        (Some(o), Some(c)) if o < c => &body[o + 1..c],
        _ => body.strip_suffix(b"}").unwrap_or(body),
    };
    let names: Vec<String> = list
        .split(|b| *b == b',')
        .map(|e| {
            let e = trim(e);
            let end = e
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.')))
                .unwrap_or(e.len());
            lossy(&e[..end]).into_owned()
        })
        .collect();
    Some(names.iter().map(|n| column(n)).collect())
}

/// A member's first line as a CSV header: two or more plain names
/// separated by `,` or `;` (or tabs), one of which is a credential's or a
/// user's.
fn csv_header(line: &[u8]) -> Option<State> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line);
    for sep in [b',', b';', b'\t'] {
        let cells = csv_cells(line, sep);
        if cells.len() < 2 {
            continue;
        }
        let ident = |n: &Vec<u8>| {
            !n.is_empty()
                && n.iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b' ' | b'.'))
        };
        if !cells.iter().all(ident) {
            return None;
        }
        let cols: Vec<Column> = cells.iter().map(|n| column(&lossy(n))).collect();
        if cols.iter().any(|c| *c != Column::Other) {
            return Some(State::Csv(cols, sep));
        }
        return None;
    }
    None
}

/// The cells of one CSV line (`"…"` quoting with `""` for a quote).
fn csv_cells(line: &[u8], sep: u8) -> Vec<Vec<u8>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut cells = Vec::new();
    let mut cell = Vec::new();
    let mut quoted = false;
    let mut i = 0;
    while i < line.len() {
        let b = line[i];
        if quoted {
            if b == b'"' {
                if line.get(i + 1) == Some(&b'"') {
                    cell.push(b'"');
                    i += 1;
                } else {
                    quoted = false;
                }
            } else {
                cell.push(b);
            }
        } else if b == b'"' && cell.is_empty() {
            quoted = true;
        } else if b == sep {
            cells.push(std::mem::take(&mut cell));
        } else {
            cell.push(b);
        }
        i += 1;
    }
    cells.push(cell);
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, chunk: usize) -> Found {
        let mut t = Tables::new();
        for c in text.as_bytes().chunks(chunk) {
            t.feed(c, &Tables::starts(c));
        }
        t.finish()
    }

    #[test]
    fn columns_are_judged_by_their_names() {
        assert_eq!(column("otp_secret"), Column::Secret);
        assert_eq!(column("encrypted_otp_secret_iv"), Column::Secret);
        assert_eq!(column("\"users\".\"token_digest\""), Column::Secret);
        assert_eq!(column(":username"), Column::User);
        assert_eq!(column("otp_required_for_login"), Column::Other);
        assert_eq!(column("token_expires_at"), Column::Other);
        assert_eq!(column("reset_password_sent_at"), Column::Other);
        assert_eq!(column("id"), Column::Other);
        assert_eq!(column("gitaly_auth"), Column::Secret);
        assert_eq!(column("author_email"), Column::Other);
    }

    #[test]
    fn a_key_value_listing_gives_its_secret_rows() {
        let text = "====== Data ======\nKey          Value\n---          -----\n\
                    db_password  Basaltbasalt74#8XA\nttl          768h\n\nsecret_key  NotInTheListing9\n";
        assert_eq!(read(text, 4096).secrets, ["Basaltbasalt74#8XA"]);
    }

    #[test]
    fn a_copy_block_gives_its_secret_columns_in_any_chunking() {
        let text = "-- dump\nCOPY public.users (id, username, otp_secret, otp_required_for_login) FROM stdin;\n\
                    1\tjdoe\tJBSWY3DPEHPK3PXP\tt\n2\tasmith\t\\N\tf\n\\.\n3\tafter\tKRSXG5CTMVRXEZLU\tt\n";
        for chunk in [7, 64, 4096] {
            let f = read(text, chunk);
            assert_eq!(f.secrets, ["JBSWY3DPEHPK3PXP"], "chunk {chunk}");
            assert_eq!(f.users, ["jdoe", "asmith"], "chunk {chunk}");
        }
    }
}
