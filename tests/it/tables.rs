//! Values that only a table's header names (`redact::tables`): an OTP
//! secret in a `COPY` row, a token digest in psql's output, a Rails
//! console's `pluck` result. Nothing beside them says what they are; the
//! column's name does.

use airlock::corpus::Rng;

use super::util::{airlock, run, TempDir};

/// Generated query outputs, with what must go and what must stay.
struct Tables {
    files: Vec<(String, String)>,
    /// Credentials under a column that names one.
    secrets: Vec<String>,
    /// Users under a `username`/`user`/`login` column.
    users: Vec<String>,
    /// Ids, SHAs, states and times under other columns: kept as they are.
    keeps: Vec<String>,
}

/// An OTP secret: base32 with at least one digit.
fn otp(r: &mut Rng) -> String {
    loop {
        let v = r.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
        if v.bytes().any(|b| b.is_ascii_digit()) {
            return v;
        }
    }
}

/// attr_encrypted's base64 ciphertext, or a digest.
fn base64(r: &mut Rng, n: usize) -> String {
    loop {
        let mut v = r.string(
            b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/",
            n,
        );
        v.push('=');
        let has = |f: fn(&u8) -> bool| v.as_bytes().iter().any(f);
        if has(u8::is_ascii_digit) && has(u8::is_ascii_lowercase) {
            return v;
        }
    }
}

fn token(r: &mut Rng) -> String {
    loop {
        let v = r.alnum(20);
        let has = |f: fn(&u8) -> bool| v.as_bytes().iter().any(f);
        if has(u8::is_ascii_digit) && has(u8::is_ascii_alphabetic) {
            return v;
        }
    }
}

fn tables(seed: u64, copy_rows: usize) -> Tables {
    let mut r = Rng::new(seed);
    let mut t = Tables {
        files: Vec::new(),
        secrets: Vec::new(),
        users: Vec::new(),
        keeps: Vec::new(),
    };
    let user = |r: &mut Rng, t: &mut Tables| {
        let u = loop {
            let u = r.username();
            if !t.users.contains(&u) {
                break u;
            }
        };
        t.users.push(u.clone());
        u
    };

    // pg_dump: COPY rows, tab-separated, `\N` for NULL.
    let mut copy = String::from(
        "--\n-- Data for Name: users; Type: TABLE DATA; Schema: public\n--\n\n\
         COPY public.users (id, username, otp_secret, encrypted_otp_secret, otp_required_for_login, last_activity_on, sha) FROM stdin;\n",
    );
    for id in 1..=copy_rows {
        let (u, s, e, sha) = (
            user(&mut r, &mut t),
            otp(&mut r),
            base64(&mut r, 27),
            r.hex(40),
        );
        copy.push_str(&format!(
            "{id}\t{u}\t{s}\t{e}\tt\t2026-11-{:02}\t{sha}\n",
            1 + id % 28
        ));
        t.secrets.extend([s, e]);
        t.keeps.push(sha);
    }
    copy.push_str("\\.\n\n");
    t.files.push(("dump/users.sql".into(), copy));

    // pg_dump --column-inserts.
    let (u, s, f) = (user(&mut r, &mut t), otp(&mut r), token(&mut r));
    t.files.push((
        "dump/inserts.sql".into(),
        format!(
            "INSERT INTO public.users (id, username, otp_secret, feed_token, state) VALUES (7, '{u}', '{s}', '{f}', 'active');\n"
        ),
    ));
    t.secrets.extend([s, f]);
    t.keeps.push("'active'".into());

    // psql, aligned; then one column; then expanded.
    let mut psql = String::from(
        "gitlabhq_production=> select id, username, encrypted_otp_secret, state from users;\n \
         id | username |     encrypted_otp_secret     | state\n\
         ----+----------+------------------------------+--------\n",
    );
    for id in [3, 14] {
        let (u, e) = (user(&mut r, &mut t), base64(&mut r, 27));
        psql.push_str(&format!("  {id} | {u} | {e} | active\n"));
        t.secrets.push(e);
    }
    psql.push_str(
        "(2 rows)\n\ngitlabhq_production=> select token_digest from personal_access_tokens;\n",
    );
    psql.push_str(
        "                 token_digest\n----------------------------------------------\n",
    );
    for _ in 0..2 {
        let d = base64(&mut r, 43);
        psql.push_str(&format!(" {d}\n"));
        t.secrets.push(d);
    }
    psql.push_str("(2 rows)\n\ngitlabhq_production=> \\x\nExpanded display is on.\n");
    let (h, c) = (token(&mut r), r.hex(40));
    psql.push_str(&format!(
        "-[ RECORD 1 ]-------------+------------------------------------------\n\
         id                        | 1\n\
         health_check_access_token | {h}\n\
         commit_sha                | {c}\n\n"
    ));
    t.secrets.push(h);
    t.keeps.push(c);
    t.files.push(("ticket/psql-session.txt".into(), psql));

    // MySQL's box (a Jira or Mattermost database beside GitLab).
    let (u, a) = (
        user(&mut r, &mut t),
        format!("*{}", r.hex(40).to_uppercase()),
    );
    t.files.push((
        "ticket/mysql.txt".into(),
        format!(
            "mysql> SELECT user, authentication_string, host FROM mysql.user;\n\
             +----------+-------------------------------------------+-----------+\n\
             | user     | authentication_string                     | host      |\n\
             +----------+-------------------------------------------+-----------+\n\
             | {u} | {a} | localhost |\n\
             +----------+-------------------------------------------+-----------+\n\
             1 row in set (0.00 sec)\n"
        ),
    ));
    t.secrets.push(a);

    // A Rails console: pluck of several columns, of one, and a map.
    let (u1, s1, u2, s2) = (
        user(&mut r, &mut t),
        otp(&mut r),
        user(&mut r, &mut t),
        otp(&mut r),
    );
    let (d1, d2, ru) = (base64(&mut r, 43), base64(&mut r, 43), user(&mut r, &mut t));
    let single = token(&mut r);
    let rails = format!(
        "irb(main):001:0> User.where(otp_required_for_login: true).pluck(:id, :username, :otp_secret)\n\
         => [[12, \"{u1}\", \"{s1}\"], [57, \"{u2}\", \"{s2}\"]]\n\
         irb(main):002:0> PersonalAccessToken.active.map {{ |t| [t.user.username, t.token_digest] }}\n\
         => [[\"{ru}\", \"{d1}\"],\n [\"{ru}\", \"{d2}\"]]\n\
         irb(main):003:0> Ci::Runner.where(id: 4).pluck(:token)\n\
         => [\"{single}\"]\n\
         irb(main):004:0> Project.pluck(:id, :path)\n\
         => [[1, \"gitlab-runner\"]]\n"
    );
    t.secrets.extend([s1, s2, d1, d2, single]);
    t.keeps.push("\"gitlab-runner\"".into());
    t.files.push(("ticket/rails-console.txt".into(), rails));

    // A CSV export: its first line is its header.
    let mut csv = String::from("id,username,email_verified,api_token,pipeline_sha\n");
    for id in 1..=2 {
        let (u, k, sha) = (user(&mut r, &mut t), token(&mut r), r.hex(40));
        csv.push_str(&format!("{id},{u},true,{k},{sha}\n"));
        t.secrets.push(k);
        t.keeps.push(sha);
    }
    t.files.push(("exports/tokens.csv".into(), csv));
    t
}

fn write(dir: &TempDir, t: &Tables) {
    for (path, text) in &t.files {
        dir.write(&format!("in/{path}"), text);
    }
}

/// Every secret and user gone from `out`, every kept value there, and the
/// line count of `input` kept.
fn check(t: &Tables, input: &str, out: &str, what: &str) {
    for s in t.secrets.iter().chain(&t.users) {
        if input.contains(s.as_str()) {
            assert!(!out.contains(s.as_str()), "{what} keeps {s:?}\n{out}");
        }
    }
    for k in &t.keeps {
        if input.contains(k.as_str()) {
            assert!(out.contains(k.as_str()), "{what} lost {k:?}\n{out}");
        }
    }
    assert_eq!(input.lines().count(), out.lines().count(), "{what}\n{out}");
}

#[test]
fn a_value_under_a_column_that_names_a_credential_is_masked_in_every_table_shape() {
    let dir = TempDir::new("tables");
    let t = tables(71, 3);
    write(&dir, &t);
    let key = dir.path().join("k.key");
    let key = key.to_str().unwrap();
    let res = run(
        &dir,
        airlock(&dir).args(["redact", "in", "-o", "out", "--key-file", key]),
        None,
    )
    .expect_code(0);
    for s in &t.secrets {
        assert!(!res.stderr.contains(s.as_str()), "{}", res.describe());
    }
    for (path, input) in &t.files {
        let out = std::fs::read_to_string(dir.path().join("out").join(path)).unwrap();
        check(&t, input, &out, path);
        // The headers stay: support still reads which columns there were.
        let header = input.lines().find(|l| l.contains("user")).unwrap();
        let header = header.split(" VALUES").next().unwrap().trim();
        assert!(out.contains(header), "{path} lost its header\n{out}");
    }
    run(&dir, airlock(&dir).args(["verify", "out"]), None).expect_code(0);

    // Each file alone is as safe as inside the bundle.
    for (i, (path, input)) in t.files.iter().enumerate() {
        let out = format!("alone-{i}");
        run(
            &dir,
            airlock(&dir).args([
                "redact",
                &format!("in/{path}"),
                "-o",
                &out,
                "--key-file",
                key,
            ]),
            None,
        )
        .expect_code(0);
        let text = std::fs::read_to_string(dir.path().join(&out)).unwrap();
        check(&t, input, &text, &format!("{path} alone"));
    }
}

#[test]
fn a_table_cut_by_chunk_ends_is_read_as_one_table() {
    let dir = TempDir::new("tables-chunks");
    // About 40 KB of rows: ten chunks of the smallest size.
    let t = tables(72, 400);
    write(&dir, &t);
    let key = dir.path().join("k.key");
    let key = key.to_str().unwrap();
    let mut outs = Vec::new();
    for chunk in ["4096", "1048576"] {
        let out = format!("out-{chunk}");
        run(
            &dir,
            airlock(&dir).args([
                "redact",
                "in/dump/users.sql",
                "-o",
                &out,
                "--key-file",
                key,
                "--chunk-size",
                chunk,
                "--jobs",
                "2",
            ]),
            None,
        )
        .expect_code(0);
        outs.push(std::fs::read_to_string(dir.path().join(&out)).unwrap());
    }
    let input = &t.files[0].1;
    check(&t, input, &outs[0], "4 KiB chunks");
    assert!(outs[0] == outs[1], "the chunk size changed the output");
}

#[test]
fn columns_that_name_no_credential_keep_their_values() {
    let dir = TempDir::new("tables-plain");
    let mut r = Rng::new(73);
    let (sha, cid) = (r.hex(40), r.alnum(26));
    let text = format!(
        "COPY public.ci_pipelines (id, sha, status, correlation_id) FROM stdin;\n\
         1\t{sha}\tsuccess\t{cid}\n\\.\n\
         irb(main):001:0> Ci::Pipeline.last.attributes.values_at('sha', 'status')\n=> [\"{sha}\", \"success\"]\n"
    );
    dir.write("in/dump.sql", &text);
    run(
        &dir,
        airlock(&dir).args(["redact", "in", "-o", "out"]),
        None,
    )
    .expect_code(0);
    let out = std::fs::read_to_string(dir.path().join("out/dump.sql")).unwrap();
    assert_eq!(out, text);
}
