//! Secrets inside encodings (issue 12): Kubernetes Secret data, Docker
//! `auth`, HTTP Basic and SAMLResponse. Each test plants values its own
//! code generates, encodes them the way the real tools do, redacts with the
//! binary, then decodes the output with its own base64 decoder and looks
//! for the planted values byte for byte — never with airlock's engine.
//! The documents must still parse, with the same keys and value types.

use std::collections::BTreeMap;
use std::fs;

use airlock::corpus::Rng;
use base64::Engine as _;

use super::util::{airlock, run, TempDir};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn b64(s: &str) -> String {
    B64.encode(s.as_bytes())
}

/// Redact `in/` into `out/` in `dir` (must succeed) and read `out/<f>`.
fn redact<'a>(dir: &'a TempDir, files: &[(&str, &str)]) -> impl Fn(&str) -> String + 'a {
    for (name, text) in files {
        dir.write(&format!("in/{name}"), text);
    }
    run(dir, airlock(dir).args(["redact", "in", "-o", "out"]), None).expect_code(0);
    move |f: &str| fs::read_to_string(dir.path().join("out").join(f)).unwrap()
}

/// Everything the test planted, to look for.
struct Planted(Vec<String>);

impl Planted {
    fn add(&mut self, v: String) -> String {
        assert!(v.len() >= 6, "planted values are long enough to be unique");
        self.0.push(v.clone());
        v
    }

    /// Panic if any planted value is in `text`.
    fn assert_absent(&self, text: &str, context: &str) {
        for v in &self.0 {
            assert!(
                !text.contains(v.as_str()),
                "{v:?} survives in {context}:\n{text}"
            );
        }
    }
}

/// A password-like value with the given tag (deterministic).
fn secret(r: &mut Rng, tag: &str) -> String {
    format!("{tag}-{}!{}", r.alnum(10), r.below(1000))
}

/// `path → type` of every leaf of a YAML document (`str`, `int`, `bool`,
/// `null`, `real`), and of every key.
fn yaml_shape(text: &str) -> BTreeMap<String, &'static str> {
    use yaml_rust2::{Yaml, YamlLoader};
    fn walk(y: &Yaml, path: String, out: &mut BTreeMap<String, &'static str>) {
        match y {
            Yaml::Hash(h) => {
                for (k, v) in h {
                    let key = k
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("{k:?}"));
                    walk(v, format!("{path}/{key}"), out);
                }
            }
            Yaml::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    walk(v, format!("{path}[{i}]"), out);
                }
            }
            Yaml::String(_) => {
                out.insert(path, "str");
            }
            Yaml::Integer(_) => {
                out.insert(path, "int");
            }
            Yaml::Real(_) => {
                out.insert(path, "real");
            }
            Yaml::Boolean(_) => {
                out.insert(path, "bool");
            }
            Yaml::Null => {
                out.insert(path, "null");
            }
            other => {
                out.insert(
                    path,
                    if matches!(other, Yaml::BadValue) {
                        "bad"
                    } else {
                        "other"
                    },
                );
            }
        }
    }
    let docs = YamlLoader::load_from_str(text).unwrap_or_else(|e| panic!("not YAML: {e}\n{text}"));
    let mut out = BTreeMap::new();
    for (i, d) in docs.iter().enumerate() {
        walk(d, format!("doc{i}"), &mut out);
    }
    out
}

/// The `data` values of every Secret in a kubectl YAML list, by
/// `name/key`.
fn yaml_secret_data(text: &str) -> BTreeMap<String, String> {
    use yaml_rust2::YamlLoader;
    let docs = YamlLoader::load_from_str(text).unwrap();
    let mut out = BTreeMap::new();
    for item in docs[0]["items"].as_vec().unwrap() {
        let name = item["metadata"]["name"].as_str().unwrap().to_string();
        for (k, v) in item["data"].as_hash().unwrap() {
            out.insert(
                format!("{name}/{}", k.as_str().unwrap()),
                v.as_str().unwrap().to_string(),
            );
        }
    }
    out
}

/// The Secrets a GitLab Helm install has, with planted values.
struct Secrets {
    planted: Planted,
    /// (secret name, key, decoded value)
    data: Vec<(String, String, String)>,
    /// Values with nothing to hide, which must come back unchanged.
    unchanged: Vec<(String, String)>,
}

fn gitlab_secrets(seed: u64) -> Secrets {
    let mut r = Rng::new(seed);
    let mut p = Planted(Vec::new());
    let db_pw = p.add(secret(&mut r, "Pg"));
    let root_pw = p.add(secret(&mut r, "Root"));
    let reg_user = p.add(format!("deploy{}", r.alnum(6).to_lowercase()));
    let reg_pw = p.add(secret(&mut r, "Reg"));
    let runner_tok = p.add(format!("glrt-{}", r.alnum(20)));
    let skb = p.add(r.hex(128));
    let otp = p.add(r.hex(128));
    let s3_access = p.add(format!(
        "AKIA{}",
        r.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
    ));
    let s3_secret = p.add(r.string(airlock::corpus::ALNUM, 40));
    let smtp_pw = p.add(secret(&mut r, "Smtp"));
    let key_body = p.add(r.string(airlock::corpus::ALNUM, 60));
    let docker_auth = B64.encode(format!("{reg_user}:{reg_pw}"));
    let dockerconfig = format!(
        r#"{{"auths":{{"registry.acme-gov.us":{{"username":"{reg_user}","password":"{reg_pw}","auth":"{docker_auth}"}}}}}}"#
    );
    let secrets_yml = format!(
        "production:\n  secret_key_base: {skb}\n  otp_key_base: {otp}\n  db_key_base: {}\n",
        p.add(r.hex(64))
    );
    let s3cmd = format!(
        "[default]\naccess_key = {s3_access}\nsecret_key = {s3_secret}\nbucket_location = us-gov-west-1\nhost_base = s3.us-gov-west-1.amazonaws.com\n"
    );
    let rb =
        format!("gitlab_rails['smtp_password'] = \"{smtp_pw}\"\ngitlab_rails['smtp_port'] = 587\n");
    let tls_key =
        format!("-----BEGIN EC PRIVATE KEY-----\n{key_body}\n-----END EC PRIVATE KEY-----\n");
    let ca = "-----BEGIN CERTIFICATE-----\nMIIBkTCCATegAwIBAgIUY2F0ZWdvcnktdGVzdC1jZXJ0MAoGCCqGSM49BAMCMBcx\n-----END CERTIFICATE-----\n".to_string();
    let data = vec![
        (
            "gitlab-postgresql-password".into(),
            "postgresql-password".into(),
            format!("{db_pw}\n"),
        ),
        (
            "gitlab-gitlab-initial-root-password".into(),
            "password".into(),
            root_pw,
        ),
        (
            "gitlab-registry-auth".into(),
            ".dockerconfigjson".into(),
            dockerconfig,
        ),
        (
            "gitlab-runner-secret".into(),
            "runner-token".into(),
            runner_tok,
        ),
        (
            "gitlab-rails-secret".into(),
            "secrets.yml".into(),
            secrets_yml,
        ),
        ("gitlab-object-storage".into(), "config".into(), s3cmd),
        ("gitlab-smtp".into(), "gitlab.rb".into(), rb),
        ("gitlab-wildcard-tls".into(), "tls.key".into(), tls_key),
        ("gitlab-wildcard-tls".into(), "ca.crt".into(), ca.clone()),
    ];
    Secrets {
        planted: p,
        data,
        unchanged: vec![("gitlab-wildcard-tls/ca.crt".into(), ca)],
    }
}

/// `kubectl get secrets -o yaml` of `s`.
fn kubectl_yaml(s: &Secrets) -> String {
    let mut out = String::from("apiVersion: v1\nitems:\n");
    let mut by_name: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for (n, k, v) in &s.data {
        by_name.entry(n).or_default().push((k, v));
    }
    for (name, kv) in by_name {
        out.push_str("- apiVersion: v1\n  data:\n");
        for (k, v) in kv {
            out.push_str(&format!("    {k}: {}\n", b64(v)));
        }
        out.push_str(&format!(
            "  kind: Secret\n  metadata:\n    creationTimestamp: \"2026-11-20T13:44:10Z\"\n    name: {name}\n    namespace: gitlab\n    resourceVersion: \"48151623\"\n    uid: 6f1d3c2a-9b8e-4d7f-a6c5-1e2d3c4b5a69\n  type: Opaque\n"
        ));
    }
    out.push_str("kind: List\nmetadata:\n  resourceVersion: \"\"\n");
    out
}

/// `kubectl get secrets -o json` of `s` (pretty-printed, as kubectl does).
fn kubectl_json(s: &Secrets) -> String {
    let mut by_name: BTreeMap<&str, serde_json::Map<String, serde_json::Value>> = BTreeMap::new();
    for (n, k, v) in &s.data {
        by_name
            .entry(n)
            .or_default()
            .insert(k.clone(), serde_json::Value::String(b64(v)));
    }
    let items: Vec<serde_json::Value> = by_name
        .into_iter()
        .map(|(name, data)| {
            serde_json::json!({
                "apiVersion": "v1", "data": data, "kind": "Secret",
                "metadata": {"name": name, "namespace": "gitlab", "resourceVersion": "48151623"},
                "type": "Opaque"
            })
        })
        .collect();
    serde_json::to_string_pretty(
        &serde_json::json!({"apiVersion": "v1", "items": items, "kind": "List"}),
    )
    .unwrap()
}

fn decode(v: &str) -> String {
    let bytes = B64
        .decode(v.trim())
        .unwrap_or_else(|e| panic!("a Secret's data value is no longer base64 ({e}): {v}"));
    String::from_utf8(bytes).expect("decoded data is text")
}

#[test]
fn kubernetes_secrets_in_yaml_are_redacted_inside_and_still_parse() {
    let dir = TempDir::new("enc-k8s-yaml");
    let s = gitlab_secrets(7);
    let input = kubectl_yaml(&s);
    let out = redact(&dir, &[("kubesos/get_secrets.yaml", &input)])("kubesos/get_secrets.yaml");
    // Same keys, same value types, line for line.
    assert_eq!(yaml_shape(&out), yaml_shape(&input));
    assert_eq!(out.lines().count(), input.lines().count());
    s.planted.assert_absent(&out, "the redacted YAML");
    let data = yaml_secret_data(&out);
    assert_eq!(
        data.len(),
        s.data.len(),
        "every key of every Secret is kept"
    );
    let mut decoded_all = String::new();
    for (k, v) in &data {
        let d = decode(v);
        s.planted
            .assert_absent(&d, &format!("the decoded value of {k}"));
        decoded_all.push_str(&d);
    }
    // Nothing to hide: kept as it was.
    for (k, v) in &s.unchanged {
        assert_eq!(&decode(&data[k]), v, "{k} changed");
    }
    // The file-shaped values are still files with their keys, and the
    // Docker config still JSON.
    let dc: serde_json::Value =
        serde_json::from_str(&decode(&data["gitlab-registry-auth/.dockerconfigjson"])).unwrap();
    let auth = dc["auths"].as_object().unwrap().values().next().unwrap();
    let pair = decode(auth["auth"].as_str().unwrap());
    assert!(
        pair.contains(":[REDACTED:"),
        "auth is user:mask, not {pair:?}"
    );
    let yml = decode(&data["gitlab-rails-secret/secrets.yml"]);
    assert_eq!(
        yaml_shape(&yml).keys().collect::<Vec<_>>(),
        vec![
            "doc0/production/db_key_base",
            "doc0/production/otp_key_base",
            "doc0/production/secret_key_base"
        ]
    );
    let key = decode(&data["gitlab-wildcard-tls/tls.key"]);
    assert_eq!(key.lines().count(), 3);
    assert!(key.starts_with("-----BEGIN EC PRIVATE KEY-----\n[REDACTED:"));
    // A bare value is masked whole (base64 of a mask).
    assert!(
        decode(&data["gitlab-gitlab-initial-root-password/password"]).starts_with("[REDACTED:")
    );
    assert!(!decoded_all.is_empty());
}

#[test]
fn kubernetes_secrets_in_json_are_redacted_inside_and_still_parse() {
    let dir = TempDir::new("enc-k8s-json");
    let s = gitlab_secrets(8);
    let input = kubectl_json(&s);
    let out = redact(&dir, &[("get_secrets.json", &input)])("get_secrets.json");
    let before: serde_json::Value = serde_json::from_str(&input).unwrap();
    let after: serde_json::Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("not JSON after redaction: {e}\n{out}"));
    s.planted.assert_absent(&out, "the redacted JSON");
    let items = after["items"].as_array().unwrap();
    assert_eq!(items.len(), before["items"].as_array().unwrap().len());
    for (a, b) in items.iter().zip(before["items"].as_array().unwrap()) {
        let (da, db) = (
            a["data"].as_object().unwrap(),
            b["data"].as_object().unwrap(),
        );
        assert_eq!(da.keys().collect::<Vec<_>>(), db.keys().collect::<Vec<_>>());
        for (k, v) in da {
            let d = decode(v.as_str().unwrap());
            s.planted
                .assert_absent(&d, &format!("the decoded value of {k}"));
        }
    }
}

#[test]
fn basic_auth_and_docker_auth_keep_a_pseudonymous_user_and_lose_the_password() {
    let dir = TempDir::new("enc-basic");
    let mut r = Rng::new(11);
    let mut p = Planted(Vec::new());
    let user = p.add(format!("jdoe{}", r.alnum(5).to_lowercase()));
    let pw = p.add(secret(&mut r, "Basic"));
    let log = format!(
        "+ curl -sf -H \"Authorization: Basic {}\" https://nexus.acme-gov.us/service/rest/v1/status\n\
         {{\"method\":\"GET\",\"path\":\"/api/v4/projects\",\"username\":\"{user}\",\"status\":200}}\n\
         DOCKER_AUTH_CONFIG={{\"auths\":{{\"registry.acme-gov.us\":{{\"auth\":\"{}\"}}}}}}\n",
        b64(&format!("{user}:{pw}")),
        b64(&format!("{user}:{pw}"))
    );
    let out = redact(&dir, &[("job.log", &log)])("job.log");
    p.assert_absent(&out, "the redacted log");
    let header = out.lines().next().unwrap();
    let value = header
        .split("Basic ")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let pair = decode(value);
    let (u, pw_out) = pair.split_once(':').unwrap();
    assert!(u.starts_with("user-"), "the user is a pseudonym: {pair}");
    assert!(pw_out.starts_with("[REDACTED:"), "{pair}");
    // The same pseudonym as in the structured field of the other line.
    assert!(out.contains(&format!("\"username\":\"{u}\"")), "{out}");
    p.assert_absent(&pair, "the decoded Basic credentials");
}

#[test]
fn saml_responses_lose_the_users_name_e_mail_and_login() {
    let dir = TempDir::new("enc-saml");
    let mut r = Rng::new(12);
    let mut p = Planted(Vec::new());
    let email = p.add(format!("jane.{}@acme-gov.us", r.alnum(5).to_lowercase()));
    let given = p.add(format!("Janelle{}", r.alnum(3).to_lowercase()));
    let sur = p.add(format!("Okonkwo{}", r.alnum(3).to_lowercase()));
    let xml = format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_8e8dc5f69a98cc4c1ff3427e5ce34606fd672f91e6"><saml:Assertion><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">{email}</saml:NameID></saml:Subject><saml:AttributeStatement><saml:Attribute Name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"><saml:AttributeValue>{given}</saml:AttributeValue></saml:Attribute><saml:Attribute Name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"><saml:AttributeValue>{sur}</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>"#
    );
    // As a form post logs it: base64, then percent-encoded.
    let form = b64(&xml)
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    let line = format!(
        "Started POST \"/users/auth/saml/callback\" for 10.1.2.3 at 2026-11-20 13:44:10 +0000\nParameters: SAMLResponse={form}&RelayState=%2Fdashboard\n"
    );
    let out = redact(&dir, &[("production.log", &line)])("production.log");
    p.assert_absent(&out, "the redacted log");
    let value = out
        .split("SAMLResponse=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .replace("%2B", "+")
        .replace("%2F", "/")
        .replace("%3D", "=");
    let decoded = decode(&value);
    p.assert_absent(&decoded, "the decoded SAMLResponse");
    // Still the same XML, with its structure.
    assert!(decoded.starts_with("<samlp:Response"), "{decoded}");
    assert_eq!(decoded.matches("<saml:Attribute ").count(), 2);
}
