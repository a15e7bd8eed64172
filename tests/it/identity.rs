//! Identity without collateral (issue 13, items 1-4): people, accounts, hosts
//! and organisations planted where real GitLab logs and configurations put
//! them — git trailers, CI variables, LDAP DNs, PostgreSQL statements,
//! `authorized_keys`, journal fields, Windows `systeminfo`, cloud ARNs —
//! must not survive, whether the files are redacted together as a bundle or
//! each alone (a lone job log, a `.gz` log, standard input).
//!
//! Leaks are judged by this test's own byte search (ASCII and Unicode case
//! folded), not by airlock's engine: a value airlock cannot see is exactly
//! what the test must catch.

use std::fs;
use std::io::Write as _;

use super::bundle_gen::{flatten, flatten_dir};
use super::util::{airlock, run, TempDir};

/// A small deterministic generator (splitmix64): every run plants the same
/// made-up values, distinctive enough that finding one is a leak and not a
/// coincidence.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A pronounceable made-up word of `n` syllables, lower case.
    fn word(&mut self, n: usize) -> String {
        const ON: &[&str] = &[
            "k", "v", "z", "th", "br", "dr", "qu", "m", "t", "l", "sk", "p",
        ];
        const NU: &[&str] = &["a", "e", "o", "i", "u", "ae", "y"];
        const CO: &[&str] = &["rx", "n", "l", "m", "r", "v", "st", "nd", "k"];
        let mut s = String::new();
        for _ in 0..n {
            s.push_str(ON[(self.next() % ON.len() as u64) as usize]);
            s.push_str(NU[(self.next() % NU.len() as u64) as usize]);
            s.push_str(CO[(self.next() % CO.len() as u64) as usize]);
        }
        s
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|i| {
                let d = (self.next() % 10) as u8;
                // No leading zero.
                char::from(b'0' + if i == 0 { d.max(1) } else { d })
            })
            .collect()
    }
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// A planted value and what it is.
#[derive(Clone, Debug)]
pub struct Planted {
    pub what: &'static str,
    pub value: String,
}

/// A made-up customer: its people, accounts, hosts and organisation, and
/// the files of a bundle that mention them.
pub struct World {
    pub planted: Vec<Planted>,
    /// (relative path, contents).
    pub files: Vec<(String, String)>,
    /// A person's name, for the case-form checks.
    pub person: String,
    /// A non-ASCII person's name.
    pub person_accented: String,
}

pub fn world(seed: u64) -> World {
    let mut g = Gen(seed);
    let org = g.word(3);
    let domain = format!("{org}.us");
    let netbios = org.to_ascii_uppercase();
    let org_name = format!("{} Dynamics", cap(&g.word(2)));
    // People.
    let (f1, l1) = (cap(&g.word(2)), cap(&g.word(3)));
    let p1 = format!("{f1} {l1}");
    let login1 = format!(
        "{}{}",
        &f1[..1].to_ascii_lowercase(),
        l1.to_ascii_lowercase()
    );
    let (f2, l2) = (cap(&g.word(2)), cap(&g.word(2)));
    let p2 = format!("{f2} O'{l2}");
    let login2 = format!(
        "{}o{}",
        &f2[..1].to_ascii_lowercase(),
        l2.to_ascii_lowercase()
    );
    let (f3, l3) = (cap(&g.word(2)), cap(&g.word(3)));
    let p3 = format!("{f3} Q. {l3}");
    let login3 = format!("{}.{}", f3.to_ascii_lowercase(), l3.to_ascii_lowercase());
    let (f4, l4) = (
        format!("Zoë {}", cap(&g.word(1))),
        format!("Å{}", g.word(2)),
    );
    let p4 = format!("{f4} {l4}");
    let (f5, l5) = (cap(&g.word(2)), cap(&g.word(2)));
    let p5 = format!("{f5} {l5}");
    // Accounts.
    let db_user = format!("glapp_{}", g.word(2));
    let smtp_user = format!("relay_{}", g.word(2));
    let patroni_user = format!("patr_{}", g.word(2));
    let praefect_user = format!("prf_{}", g.word(2));
    let registry_user = format!("reg_{}", g.word(2));
    let sql_user = format!("sqlu_{}", g.word(2));
    let ssh_user = format!("deploy_{}", g.word(2));
    let bind_user = format!("svc_{}_bind", g.word(2));
    let krb_user = format!("krb_{}", g.word(2));
    let win_user = format!("svc_{}", g.word(2));
    let helm_user = format!("helmpg_{}", g.word(2));
    let shell_user = format!("shellhttp_{}", g.word(2));
    // Hosts.
    let host = format!("gl-{}-07", g.word(2));
    let fqdn = format!("{host}.{domain}");
    let db_host = format!("pg-{}-02", g.word(2));
    let runner = format!("rnr-{}-03", g.word(2));
    let ws = format!("ws-{}-11", g.word(2));
    let win_host = format!("WIN-{}07", g.word(2).to_ascii_uppercase());
    let dc_host = format!("DC-{}01", g.word(2).to_ascii_uppercase());
    // Cloud organisation identifiers.
    let aws_account = g.digits(12);
    let azure_account = format!("{}stor01", g.word(2));
    let gcp_project = format!("{}-gitlab-prd", g.word(2));
    let email1 = format!("{login1}@{domain}");
    let email2 = format!("{login2}@{domain}");
    let email3 = format!("{login3}@{domain}");

    let top = format!("gitlabsos.{host}_20261120134410");
    let mut files: Vec<(String, String)> = Vec::new();
    let mut add = |path: &str, text: String| files.push((format!("{top}/{path}"), text));

    add("hostname", format!("{fqdn}\n"));
    add(
        "etc/gitlab/gitlab.rb",
        format!(
            r#"external_url 'https://gitlab.{domain}'
gitlab_rails['db_username'] = "{db_user}"
gitlab_rails['db_host'] = "{db_host}.{domain}"
gitlab_rails['smtp_user_name'] = "{smtp_user}"
patroni['username'] = '{patroni_user}'
postgresql['sql_user'] = "{sql_user}"
praefect['configuration'] = {{
  database: {{
    host: '{db_host}.{domain}',
    user: '{praefect_user}',
  }},
}}
registry['database'] = {{
  'user' => '{registry_user}',
  'host' => '{db_host}.{domain}',
}}
gitlab_rails['ldap_servers'] = {{
  'main' => {{
    'label' => 'LDAP',
    'host' => 'ldap.{domain}',
    'bind_dn' => 'CN={bind_user},OU=Service Accounts,DC={org},DC=us',
    'base' => 'OU=People,DC={org},DC=us',
  }}
}}
gitlab_rails['object_store']['connection'] = {{ 'provider' => 'Google', 'google_project' => '{gcp_project}' }}
gitlab_rails['backup_upload_connection'] = {{ 'provider' => 'AzureRM', 'azure_storage_account_name' => '{azure_account}' }}
"#
        ),
    );
    let app = [
        format!(
            r#"{{"severity":"INFO","time":"2026-11-20T13:44:10.381Z","correlation_id":"01JDX3","message":"User \"{p1}\" ({login1}) was created"}}"#
        ),
        // JSON escapes the DN's own escape: `CN=Last\, First` is written
        // `CN=Last\\, First`.
        format!(
            r#"{{"severity":"INFO","time":"2026-11-20T13:44:11.381Z","message":"LDAP search: found CN={l1}\\, {f1},OU=People,DC={org},DC=us for {login1}"}}"#
        ),
        format!(
            r#"{{"severity":"INFO","time":"2026-11-20T13:44:12.381Z","message":"LDAP group sync: member CN=\"{l2}, {f2}\",OU=People,DC={org},DC=us"}}"#
        ),
        format!(
            r#"{{"severity":"INFO","time":"2026-11-20T13:44:13.381Z","message":"LDAP identity: CN={p3},OU=Staff,DC={org},DC=us"}}"#
        ),
        format!(
            r#"{{"severity":"ERROR","time":"2026-11-20T13:44:14.381Z","message":"Access denied for arn:aws:iam::{aws_account}:role/gitlab-backup on arn:aws:s3:::gitlab-backups"}}"#
        ),
        format!(
            r#"{{"severity":"ERROR","time":"2026-11-20T13:44:15.381Z","message":"Upload failed: https://{azure_account}.blob.core.windows.net/gitlab-backups/1732110250_gitlab_backup.tar"}}"#
        ),
        format!(
            r#"{{"severity":"ERROR","time":"2026-11-20T13:44:16.381Z","message":"GET https://www.googleapis.com/compute/v1/projects/{gcp_project}/zones/us-east1-b/instances returned 403"}}"#
        ),
    ];
    add(
        "var/log/gitlab/gitlab-rails/application_json.log",
        app.join("\n") + "\n",
    );
    add(
        "commands/git_log",
        format!(
            "commit 9f1c2b7d3e4a5f60718293a4b5c6d7e8f9012345\n\
             Author: {p1} <{email1}>\n\
             Date:   Thu Nov 20 13:44:10 2026 +0000\n\
             \n\
             \x20   Fix LDAP group sync for nested groups\n\
             \n\
             \x20   Co-authored-by: {p2} <{email2}>\n\
             \x20   Reviewed-by: {p3} <{email3}>\n\
             \x20   Signed-off-by: {p1} <{email1}>\n\
             \n\
             commit 0a1b2c3d4e5f60718293a4b5c6d7e8f901234567\n\
             Author: {p4} <zoe@{domain}>\n\
             Date:   Wed Nov 19 09:12:00 2026 +0000\n\
             \n\
             \x20   Update runner docs\n"
        ),
    );
    let job = format!(
        "Running with gitlab-runner 17.11.2 (a1b2c3d4)\n\
         \x20 on {runner} t3_AbCdEf12, system ID: s_0123456789ab\n\
         Preparing the \"shell\" executor\n\
         Running on {runner} via {host}...\n\
         Getting source from Git repository\n\
         $ env | sort\n\
         CI_COMMIT_AUTHOR={p5} <{login2}@{domain}>\n\
         CI_RUNNER_DESCRIPTION={runner}\n\
         CI_SERVER_HOST=gitlab.{domain}\n\
         CI_SERVER_URL=https://gitlab.{domain}\n\
         GITLAB_USER_EMAIL={email1}\n\
         GITLAB_USER_LOGIN={login1}\n\
         GITLAB_USER_NAME={p1}\n\
         $ echo \"$GITLAB_USER_NAME\" | tr a-z A-Z\n\
         {upper}\n\
         $ ssh {host} uptime\n\
         ssh: connect to host {host} port 22: Connection refused\n\
         Job is running as user {org}\\{win_user}\n\
         $ echo done by {lower}\n\
         done by {lower}\n\
         Job succeeded\n",
        upper = p1.to_uppercase(),
        lower = p1.to_lowercase(),
    );
    add("builds/job-4242.log", job.clone());
    add(
        "etc/gitlab-runner/config.toml",
        format!(
            "concurrent = 4\n\
             \n\
             [[runners]]\n\
             \x20 name = \"{runner}\"\n\
             \x20 url = \"https://gitlab.{domain}\"\n\
             \x20 executor = \"ssh\"\n\
             \x20 [runners.ssh]\n\
             \x20   user = \"{ssh_user}\"\n\
             \x20   host = \"{host}\"\n\
             \x20   port = \"22\"\n"
        ),
    );
    add(
        "ssh/authorized_keys",
        format!(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk2c3VwcG9ydGJ1bmRsZXRlc3RrZXkxMjM0NTY3 {login1}@{ws}\n\
             ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7dGVzdGtleWZvcmlkZW50aXR5dGVzdHM= {p2}\n"
        ),
    );
    add(
        "ssh/known_hosts",
        format!(
            "{host},10.20.30.40 ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY=\n\
             [{db_host}]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHRlc3RrZXlmb3Jrbm93bmhvc3Rz\n"
        ),
    );
    add(
        "var/log/gitlab/postgresql/current",
        format!(
            "2026-11-20_13:44:10.12345 2026-11-20 13:44:10.123 UTC [4242] {db_user}@gitlabhq_production LOG:  duration: 12.3 ms  statement: SELECT \"users\".* FROM \"users\" WHERE \"users\".\"username\" = '{login2}' LIMIT 1\n\
             2026-11-20_13:44:11.12345 2026-11-20 13:44:11.123 UTC [4243] {db_user}@gitlabhq_production LOG:  statement: UPDATE \"users\" SET \"name\" = '{sqlname}' WHERE \"users\".\"id\" = 7\n\
             2026-11-20_13:44:12.12345 2026-11-20 13:44:12.123 UTC [4244] FATAL:  password authentication failed for user \"{patroni_user}\"\n",
            sqlname = p2.replace('\'', "''"),
        ),
    );
    add(
        "logs/journalctl.json",
        format!(
            "{{\"_HOSTNAME\":\"{host}\",\"_SYSTEMD_UNIT\":\"gitlab-runsvdir.service\",\"MESSAGE\":\"Started GitLab Runsvdir\"}}\n\
             {{\"_HOSTNAME\":\"{host}\",\"SYSLOG_IDENTIFIER\":\"ssh\",\"MESSAGE\":\"ssh: connect to host {host} port 22: Connection timed out\"}}\n"
        ),
    );
    add(
        "logs/journal.export",
        format!(
            "__CURSOR=s=1;i=2\n_HOSTNAME={host}\n_SYSTEMD_UNIT=gitlab-runsvdir.service\nMESSAGE=backup to {host} failed\n"
        ),
    );
    add(
        "windows/systeminfo.txt",
        format!(
            "Host Name:                 {win_host}\r\n\
             OS Name:                   Microsoft Windows Server 2022 Datacenter\r\n\
             OS Version:                10.0.20348 N/A Build 20348\r\n\
             Registered Owner:          {p5}\r\n\
             Registered Organization:   {org_name}\r\n\
             Domain:                    {domain}\r\n\
             Logon Server:              \\\\{dc_host}\r\n"
        ),
    );
    add(
        "windows/gitlab-runner.log",
        format!(
            "Runtime platform   arch=amd64 os=windows pid=4242 revision=a1b2c3d4 version=17.11.2\r\n\
             Service is running as user {netbios}\\{win_user}\r\n\
             Starting multi-runner from C:\\GitLab-Runner\\config.toml...  builds=0 max_builds=4\r\n\
             Kerberos: kinit failed for principal {krb_user}@{netbios}: Client not found in Kerberos database\r\n"
        ),
    );
    add(
        "ssl/gitlab.crt.txt",
        format!(
            "Certificate:\n    Data:\n        Issuer: C = US, O = Let's Encrypt, CN = R11\n\
             \x20       Subject: C = US, ST = Virginia, O = {org_name}, CN = gitlab.{domain}\n\
             \x20       X509v3 Subject Alternative Name:\n            DNS:gitlab.{domain}, DNS:registry.{domain}\n\
             subject=C = US, O = {org_name}, CN = {p3}, emailAddress = {email3}\n"
        ),
    );
    add(
        "kubernetes/values.yaml",
        format!(
            "global:\n  hosts:\n    domain: {domain}\n  psql:\n    host: {db_host}.{domain}\n    username: {helm_user}\n\
             # helm upgrade --set global.psql.username={helm_user}\n"
        ),
    );
    add(
        "var/opt/gitlab/gitlab-shell/config.yml",
        format!(
            "user: git\ngitlab_url: \"http://127.0.0.1:8080\"\nhttp_settings:\n  user: {shell_user}\n  self_signed_cert: false\n"
        ),
    );
    add(
        "etc/krb5.keytab.txt",
        format!("KVNO Principal\n---- ----------------------\n   2 HTTP/gitlab.{domain}@{realm}\n   2 {krb_user}@{realm}\n", realm = domain.to_ascii_uppercase()),
    );

    // HA cluster tables, mail headers, sudoers and an SSSD `getent passwd`.
    let consul_node = format!("cs-{}-01", g.word(2));
    let datacenter = format!("{}-east", g.word(2));
    add(
        "commands/consul_members",
        format!(
            "Node            Address             Status  Type    Build   Protocol  DC       Partition  Segment\n\
             {consul_node}     10.61.4.12:8301    alive   server  1.18.2  2         {datacenter}  default    <all>\n\
             {db_host}     10.61.4.13:8301    alive   client  1.18.2  2         {datacenter}  default    <default>\n"
        ),
    );
    add(
        "commands/patroni_members",
        format!(
            "| Member      | Host            | Role    | State     | TL | Lag in MB |\n\
             | {db_host} | 10.61.4.13:5432 | Leader  | running   | 14 |           |\n"
        ),
    );
    add(
        "tickets/fw_pipeline_failed.eml",
        format!(
            "From: {org_name} GitLab <gitlab@{domain}>\nTo: {p5} <{login1}.x@{domain}>\n\
             Cc: \"{l2}, {f2}\" <{email2}>\nSubject: Failed pipeline\n\n\
             Commit Author: {p3} ( {email3} )\n"
        ),
    );
    add(
        "etc/sudoers.d/gitlab",
        format!("{login1}   ALL=(git) NOPASSWD: /usr/bin/gitlab-ctl, /usr/bin/gitlab-rake\nDefaults:{login2} !requiretty\n"),
    );
    add(
        "commands/getent_passwd",
        format!("root:x:0:0:root:/root:/bin/bash\n{login3}:*:1284401105:1284400513:{p3}:/srv/{login3}:/bin/bash\n"),
    );

    // A Gitaly storage named after its host, whose name is whole only in
    // the address beside it; a bucket and a registry named after the
    // customer, in front of their providers' domains.
    let gitaly = format!("gty-{}-01", g.word(2));
    let bucket = format!("{}-gitlab-backups", g.word(2));
    let acr = format!("{}acr", g.word(2));
    add(
        "var/opt/gitlab/praefect/config.toml",
        format!(
            "[[virtual_storage.node]]\nstorage = '{gitaly}'\naddress = 'tcp://{gitaly}.{domain}:8075'\n"
        ),
    );
    add(
        "var/log/gitlab/backup.log",
        format!(
            "2026-11-20 02:00:09 +0000 -- Uploading backup archive to remote storage {bucket} ... \n\
             excon.request PUT https://{bucket}.s3.us-gov-west-1.amazonaws.com/1732068001_gitlab_backup.tar\n"
        ),
    );
    add(
        "root/.bash_history",
        format!(
            "aws s3 ls s3://{bucket}/ --region us-gov-west-1\naz acr login --name {acr}\n\
             docker push {acr}.azurecr.io/gitlab/webhook-relay:1.4\n"
        ),
    );

    // The organisation as its settings write it (with a suffix) and as
    // prose does (without); people in a Slack export and a saved page.
    let phone = format!("+44 113 496 {}", g.digits(4));
    add(
        "var/opt/gitlab/mattermost/config.json",
        format!(
            "{{\n    \"TeamSettings\": {{\n        \"SiteName\": \"{org_name} Chat\",\n        \
             \"CustomDescriptionText\": \"Chat for {org_name} engineering\"\n    }}\n}}\n"
        ),
    );
    add(
        "slack-export/users.json",
        format!(
            "[{{\"id\": \"U03BWH0PR\", \"real_name\": \"{p5}\", \"profile\": {{\"phone\": \"{phone}\", \"title\": \"Engineer\"}}}}]\n"
        ),
    );
    add(
        "pages/merge_request_118.html",
        format!(
            "<a class=\"author-link\" href=\"/{login1}\" data-user-id=\"311\" data-username=\"{login1}\" data-name=\"{p1}\">\
             <img alt=\"{p1}&#39;s avatar\" src=\"/uploads/a.png\"></a>\n"
        ),
    );

    // A pasted shell session and a forwarded mail's transport headers.
    add(
        "tickets/session.txt",
        format!(
            "[root@{ws} ~]# gitlab-ctl status\nrun: puma: (pid 1203) 86s; run: log: (pid 1190) 90s\n\
             root@{ws}:~# ls /tmp/gitlabsos_{ws}_20261120.tar.gz\n"
        ),
    );
    add(
        "tickets/relay.eml",
        format!("Received: from {ws} (localhost [127.0.0.1])\nSubject: backup\n\nok\n"),
    );

    // Accounts and groups as `id`, `getent group`, htpasswd and AD checks
    // print them; an AKS node's subscription and resource group.
    let team = format!("{}-gitlab-admins", g.word(2));
    let subscription = format!("{}-{}-4f59-a709-{}", g.digits(8), g.digits(4), g.digits(12));
    let resource_group = format!("rg-{}-gitlab-prod", g.word(2));
    add(
        "commands/id.txt",
        format!(
            "uid=1004({login1}) gid=1004({login1}) groups=1004({login1}),10(wheel),1500({team})\n"
        ),
    );
    add(
        "commands/getent_group",
        format!("wheel:x:10:root\n{team}:x:1500:{login1},{login3},{ssh_user}\n"),
    );
    add(
        "etc/gitlab/nginx-custom/.htpasswd",
        format!("{login2}:$apr1$Jpegqtkv$yoE6vgYPoUxS2vxR9DRxTM\n"),
    );
    add(
        "commands/gitlab-rake_gitlab-ldap-check",
        format!(
            "LDAP users with access to your GitLab server (only showing the first 100 results)\n\
                 \tDN: cn=x,ou=people,dc=int\t sAMAccountName: {win_user}\n"
        ),
    );
    add(
        "kubesos/describe_nodes",
        format!("ProviderID:         azure:///subscriptions/{subscription}/resourceGroups/mc_{resource_group}_aks_uksouth/providers/Microsoft.Compute/virtualMachineScaleSets/aks-vmss/virtualMachines/1\n"),
    );

    // A certificate's subject and SANs; an API user as `curl` prints it.
    let city = cap(&g.word(3));
    let san_host = format!("gl-{}-01", g.word(2));
    add(
        "certs/openssl_x509.txt",
        format!(
            "        Subject: C = US, ST = Virginia, L = {city}, O = {org_name}, CN = {fqdn}\n\
             \x20           X509v3 Subject Alternative Name: \n\
             \x20               DNS:{fqdn}, DNS:{san_host}, IP Address:10.42.1.10\n"
        ),
    );
    add(
        "commands/curl_api_user.txt",
        format!("{{\"id\":42,\"username\":\"{login2}\",\"name\":\"{p5}\",\"state\":\"active\"}}\n"),
    );

    let mut planted = Vec::new();
    let mut plant = |what: &'static str, v: &str| {
        planted.push(Planted {
            what,
            value: v.to_string(),
        })
    };
    for p in [&p1, &p2, &p3, &p4, &p5] {
        plant("person", p);
        // Each part of a name says who it is.
        for part in p.split(|c: char| !c.is_alphanumeric()) {
            if part.chars().count() >= 4 {
                plant("person (part of a name)", part);
            }
        }
    }
    plant("person (phone)", &phone);
    for a in [
        &login1,
        &login2,
        &login3,
        &db_user,
        &smtp_user,
        &patroni_user,
        &praefect_user,
        &registry_user,
        &sql_user,
        &ssh_user,
        &bind_user,
        &krb_user,
        &win_user,
        &helm_user,
        &shell_user,
    ] {
        plant("account", a);
    }
    for h in [
        &host,
        &db_host,
        &runner,
        &ws,
        &win_host,
        &dc_host,
        &consul_node,
        &gitaly,
        &san_host,
    ] {
        plant("host", h);
    }
    for o in [
        &org,
        &org_name,
        &aws_account,
        &azure_account,
        &gcp_project,
        &datacenter,
        &bucket,
        &acr,
        &team,
        &city,
        &subscription,
        &resource_group,
    ] {
        plant("organisation", o);
    }
    World {
        planted,
        files,
        person: p1,
        person_accented: p4,
    }
}

/// Every planted value found in `files` (names and contents), case folded.
fn survivors(w: &World, files: &[(String, Vec<u8>)]) -> Vec<String> {
    let mut out = Vec::new();
    for (name, data) in files {
        let text = String::from_utf8_lossy(data).to_lowercase();
        let name = name.to_lowercase();
        for p in &w.planted {
            let v = p.value.to_lowercase();
            if text.contains(&v) || name.contains(&v) {
                let at = text.find(&v).unwrap_or(0);
                let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
                let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
                out.push(format!(
                    "{} {:?} in {name}: {}",
                    p.what,
                    p.value,
                    &text[line_start..line_end]
                ));
            }
        }
    }
    out
}

fn write_world(dir: &TempDir, w: &World) {
    for (path, text) in &w.files {
        dir.write(&format!("in/{path}"), text);
    }
}

#[test]
fn every_planted_value_is_in_the_input() {
    let w = world(13);
    let all: Vec<(String, Vec<u8>)> = w
        .files
        .iter()
        .map(|(n, t)| (n.clone(), t.clone().into_bytes()))
        .collect();
    let found = survivors(&w, &all);
    for p in &w.planted {
        assert!(
            found.iter().any(|f| f.contains(&format!("{:?}", p.value))),
            "{p:?} is not planted"
        );
    }
    assert!(w.planted.len() > 40, "{}", w.planted.len());
}

/// The world of seed 13 redacted as one bundle: (its planted values, the
/// output's files).
fn redacted_world(name: &str) -> (World, Vec<(String, Vec<u8>)>) {
    let dir = TempDir::new(name);
    let w = world(13);
    write_world(&dir, &w);
    run(
        &dir,
        airlock(&dir).args(["redact", "in", "-o", "out"]),
        None,
    )
    .expect_code(0);
    let files = flatten_dir(&dir.path().join("out"));
    (w, files)
}

#[test]
fn no_planted_identity_survives_a_bundle() {
    let (w, files) = redacted_world("identity-bundle");
    let left = survivors(&w, &files);
    assert!(
        left.is_empty(),
        "{} planted values survive the bundle:\n{}",
        left.len(),
        left.join("\n")
    );
}

#[test]
fn no_planted_identity_survives_any_file_redacted_alone() {
    let dir = TempDir::new("identity-alone");
    let w = world(13);
    write_world(&dir, &w);
    let mut left = Vec::new();
    for (i, (path, text)) in w.files.iter().enumerate() {
        let input = format!("in/{path}");
        let out = format!("alone-{i}.out");
        run(
            &dir,
            airlock(&dir).args(["redact", &input, "-o", &out]),
            None,
        )
        .expect_code(0);
        let data = fs::read(dir.path().join(&out)).unwrap();
        // Only what this file planted counts: compare with the input.
        let before = survivors(&w, &[(path.clone(), text.clone().into_bytes())]);
        assert!(
            !before.is_empty() || text.len() < 40,
            "{path} plants nothing"
        );
        for l in survivors(&w, &[(out.clone(), data)]) {
            left.push(format!("{path} alone: {l}"));
        }
    }
    // The job log as a `.gz` and on standard input.
    let job = &w
        .files
        .iter()
        .find(|(p, _)| p.ends_with("job-4242.log"))
        .unwrap()
        .1;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(job.as_bytes()).unwrap();
    dir.write("job.log.gz", gz.finish().unwrap());
    run(
        &dir,
        airlock(&dir).args(["redact", "job.log.gz", "-o", "job.out.gz"]),
        None,
    )
    .expect_code(0);
    let data = fs::read(dir.path().join("job.out.gz")).unwrap();
    for l in survivors(&w, &flatten("job.out.gz", &data)) {
        left.push(format!("job.log.gz: {l}"));
    }
    let r = run(
        &dir,
        airlock(&dir).args(["redact", "-", "-o", "-"]),
        Some(job.as_bytes()),
    )
    .expect_code(0);
    for l in survivors(&w, &[("stdin".into(), r.stdout.into_bytes())]) {
        left.push(format!("stdin: {l}"));
    }
    assert!(
        left.is_empty(),
        "{} planted values survive files redacted alone:\n{}",
        left.len(),
        left.join("\n")
    );
}

#[test]
fn provider_hosts_keep_the_service_and_lose_the_customer_labels() {
    let (_, files) = redacted_world("identity-provider");
    let text = |end: &str| {
        files
            .iter()
            .find(|(n, _)| n.ends_with(end))
            .map(|(_, d)| String::from_utf8_lossy(d).into_owned())
            .unwrap_or_else(|| panic!("{end} not in the output"))
    };
    // Where the bucket and the registry live still shows; whose they are
    // does not (the survivors check of the other tests covers that).
    let log = text("backup.log");
    assert!(
        log.contains(".s3.us-gov-west-1.amazonaws.com/1732068001_gitlab_backup.tar"),
        "{log}"
    );
    let history = text(".bash_history");
    assert!(
        history.contains(".azurecr.io/gitlab/webhook-relay:1.4"),
        "{history}"
    );
    // The same bucket pseudonym in the URL and in `s3://…/`, and the same
    // storage pseudonym alone and in its address.
    let label = |s: &str, before: &str| -> String {
        let at = s
            .find(before)
            .unwrap_or_else(|| panic!("{before} not in {s}"));
        let head = &s[..at];
        let start = head
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .map_or(0, |i| i + 1);
        head[start..].to_string()
    };
    let in_url = label(&log, ".s3.us-gov-west-1");
    assert!(in_url.starts_with("h-"), "{in_url}");
    assert!(history.contains(&format!("s3://{in_url}/")), "{history}");
    let praefect = text("praefect/config.toml");
    let alone = praefect
        .split("storage = '")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .unwrap_or_default();
    assert!(alone.starts_with("h-"), "{praefect}");
    assert!(praefect.contains(&format!("tcp://{alone}.")), "{praefect}");
}

#[test]
fn verify_with_the_map_finds_a_learned_name_in_any_case_form() {
    let dir = TempDir::new("identity-case");
    let w = world(13);
    write_world(&dir, &w);
    run(
        &dir,
        airlock(&dir).args(["redact", "in", "-o", "out", "--map", "m.json"]),
        None,
    )
    .expect_code(0);
    let map = fs::read_to_string(dir.path().join("m.json")).unwrap();
    let mut forms = Vec::new();
    for name in [&w.person, &w.person_accented] {
        // The map holds the learned name (in some case form).
        assert!(
            map.to_lowercase().contains(&name.to_lowercase()),
            "{name} not in the map"
        );
        let title = name.to_string();
        for f in [title, name.to_lowercase(), name.to_uppercase()] {
            if !forms.contains(&f) {
                forms.push(f);
            }
        }
    }
    assert!(forms.len() >= 6, "{forms:?}");
    for (i, form) in forms.iter().enumerate() {
        // A shape no rule knows: only the map can tell it is a name.
        let probe = format!("probe-{i}.log");
        dir.write(&probe, format!("note: reviewed with {form} yesterday\n"));
        let r = run(&dir, airlock(&dir).args(["verify", &probe]), None);
        assert_eq!(
            r.code,
            0,
            "without the map {form:?} is no finding\n{}",
            r.describe()
        );
        let r = run(
            &dir,
            airlock(&dir).args(["verify", &probe, "--map", "m.json"]),
            None,
        );
        assert_eq!(r.code, 1, "verify --map misses {form:?}\n{}", r.describe());
        assert!(!r.stdout.contains(form.as_str()) && !r.stderr.contains(form.as_str()));
    }
}

/// A certificate dump beside a log that names the domain controller and
/// the organisation: the learned host stands in the CRL point's `CN=` and
/// the organisation in openssl's quoted `O = "…, Inc."`. Redaction must
/// replace both and its own verification accept what it wrote (it used to
/// refuse the whole bundle), and a Windows account's backslash must stay
/// (`C:\Users\<user>`, `DOMAIN\<user>`).
#[test]
fn a_certificate_dump_beside_its_hosts_is_redacted_and_backslashes_stay() {
    let mut g = Gen(91);
    let (org, dc, user, domain) = (
        format!("{} Aerospace", cap(&g.word(7))),
        format!("{}dc02", g.word(3)),
        g.word(8),
        g.word(6).to_ascii_uppercase(),
    );
    let dns = format!("corp.{}-aero.com", g.word(8));
    let dir = TempDir::new("cert-hosts");
    dir.write(
        "in/etc/gitlab/ssl/x509.txt",
        format!(
            "        Subject: C = US, O = \"{org}, Inc.\", CN = gitlab.{dns}\n\
             \x20                 URI:ldap:///CN=Issuing%20CA,CN={dc},CN=CDP,CN=Public%20Key%20Services,DC=corp\n"
        ),
    );
    dir.write(
        "in/var/log/messages",
        format!(
            "Mar 12 10:00:01 gl-app01 sssd[123]: connected to {dc}.{dns}\n\
             Registered Organization:   {org}, Inc.\n"
        ),
    );
    dir.write(
        "in/diag/whoami.txt",
        format!(
            "C:\\Users\\{user}>whoami\n    User: {domain}\\{user}\n{domain}\\{user}  S-1-5-21\n"
        ),
    );
    run(
        &dir,
        airlock(&dir).args(["redact", "in", "-o", "out"]),
        None,
    )
    .expect_code(0);
    let read = |p: &str| fs::read_to_string(dir.path().join("out").join(p)).unwrap();
    let (cert, win) = (read("etc/gitlab/ssl/x509.txt"), read("diag/whoami.txt"));
    for v in [org.as_str(), dc.as_str(), user.as_str(), domain.as_str()] {
        let lower = v.to_ascii_lowercase();
        assert!(!cert.to_ascii_lowercase().contains(&lower), "{v}\n{cert}");
        assert!(!win.to_ascii_lowercase().contains(&lower), "{v}\n{win}");
    }
    assert!(cert.contains("O = \""), "the quotes stay\n{cert}");
    assert!(win.starts_with("C:\\Users\\"), "{win}");
    assert_eq!(win.matches('\\').count(), 4, "{win}");
}
