//! The systemd units in docs/systemd, checked by systemd itself: `systemd-analyze` from Debian's
//! `systemd` package (`.ci/systemd.sh` installs it). With the `systemd-tests` feature on, a
//! missing systemd-analyze fails these tests; nothing is skipped.
//!
//! `verify` loads a unit as PID 1 would: every setting is parsed, ExecStart's program must exist
//! and be executable (so the test binary takes the place of /usr/local/bin/zwgk), the calendar
//! expression and its time zone must parse. An unknown key or a bad value is only a warning and
//! verify still exits 0, so the output is checked too. Verify does not look up `User=` (PID 1
//! resolves it when the unit starts; only the name's syntax is checked), so no `zwgk` user is
//! needed here: what a missing user would cost is exit 217/USER at the first start, which
//! docs/nightly.md prevents by creating it first.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const INSTALLED_COMMAND: &str = "/usr/local/bin/zwgk nightly --config /etc/zwgk/zwgk.toml";
const UNITS: [&str; 2] = ["zwgk-nightly.service", "zwgk-nightly.timer"];

fn systemd_analyze(args: &[&str]) -> Output {
    Command::new("systemd-analyze")
        .args(args)
        // Dates are compared in UTC, whatever the machine's zone.
        .env("TZ", "UTC")
        .env("SYSTEMD_COLORS", "0")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `systemd-analyze` ({e}): the systemd-tests feature needs it; install Debian's \
                 `systemd` package (`.ci/systemd.sh` does)"
            )
        })
}

fn all_output(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Both units copied to a temporary directory, ExecStart pointing at the zwgk under test.
fn installed_units() -> (tempfile::TempDir, Vec<PathBuf>) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/systemd");
    let binary = env!("CARGO_BIN_EXE_zwgk");
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for name in UNITS {
        let text = std::fs::read_to_string(source.join(name)).unwrap();
        if name.ends_with(".service") {
            assert!(
                text.contains(&format!("ExecStart={INSTALLED_COMMAND}\n")),
                "the service must run `{INSTALLED_COMMAND}`, as docs/nightly.md says"
            );
        }
        // Quoted: systemd splits an unquoted path that holds a space.
        let text = text.replace("/usr/local/bin/zwgk", &format!("\"{binary}\""));
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        paths.push(path);
    }
    (dir, paths)
}

fn path_args(paths: &[PathBuf]) -> Vec<&str> {
    paths.iter().map(|p| p.to_str().expect("a UTF-8 temp path")).collect()
}

/// Lines of verify's output that are about our units. Lines about the machine's own units
/// (pulled in as default dependencies) are not ours to fix; any other line is, including some
/// that name no unit ("Accepting user/group name …").
fn warnings_about_ours(output: &str) -> Vec<&str> {
    output
        .lines()
        .filter(|line| !line.trim().is_empty())
        .filter(|line| {
            line.contains("zwgk")
                || !["/lib/systemd/", "/usr/lib/systemd/", "/etc/systemd/", "/run/systemd/"]
                    .iter()
                    .any(|dir| line.starts_with(dir))
        })
        .collect()
}

#[test]
fn units_pass_systemd_analyze_verify_without_warnings() {
    let (_dir, paths) = installed_units();
    let mut args = vec!["verify", "--man=no"];
    args.extend(path_args(&paths));
    let out = systemd_analyze(&args);
    let output = all_output(&out);
    assert!(out.status.success(), "systemd-analyze verify failed:\n{output}");
    let warnings = warnings_about_ours(&output);
    assert!(
        warnings.is_empty(),
        "systemd-analyze verify warns about the units:\n{}",
        warnings.join("\n")
    );
}

#[test]
fn a_misspelt_setting_is_caught_though_verify_exits_0() {
    let (_dir, paths) = installed_units();
    let text = std::fs::read_to_string(&paths[0]).unwrap();
    let misspelt = text.replace("SuccessExitStatus=1\n", "SucessExitStatus=1\n");
    assert_ne!(text, misspelt);
    std::fs::write(&paths[0], misspelt).unwrap();
    let mut args = vec!["verify", "--man=no"];
    args.extend(path_args(&paths));
    let out = systemd_analyze(&args);
    assert!(out.status.success(), "an unknown key is only a warning");
    let output = all_output(&out);
    assert!(
        warnings_about_ours(&output).iter().any(|w| w.contains("Unknown key")),
        "{output}"
    );
}

#[test]
fn the_service_keeps_its_hardening_and_the_network() {
    let (_dir, paths) = installed_units();
    let out = systemd_analyze(&["security", "--offline=yes", "--json=short", paths[0].to_str().unwrap()]);
    let output = all_output(&out);
    assert!(out.status.success(), "systemd-analyze security failed:\n{output}");
    let checks: Vec<Value> = serde_json::from_slice(&out.stdout).expect("security --json=short prints JSON");
    let is_set = |field: &str| {
        checks
            .iter()
            .find(|c| c["json_field"] == field)
            .unwrap_or_else(|| panic!("systemd-analyze security has no check `{field}`:\n{output}"))["set"]
            == true
    };
    let required = [
        "UserOrDynamicUser",
        "NoNewPrivileges",
        "ProtectSystem",
        "ProtectHome",
        "PrivateTmp",
        "PrivateDevices",
        "ProtectKernelTunables",
        "ProtectKernelModules",
        "ProtectKernelLogs",
        "ProtectControlGroups",
        "ProtectClock",
        "ProtectHostname",
        "RestrictSUIDSGID",
        "RestrictRealtime",
        "RestrictNamespaces_user",
        "LockPersonality",
        "MemoryDenyWriteExecute",
        "SystemCallArchitectures",
        "SystemCallFilter_mount",
        "CapabilityBoundingSet_CAP_SYS_ADMIN",
        "RestrictAddressFamilies_AF_PACKET",
        "RestrictAddressFamilies_OTHER",
    ];
    let missing: Vec<&str> = required.into_iter().filter(|f| !is_set(f)).collect();
    assert!(missing.is_empty(), "hardening lost: {missing:?}");
    // A crawler must still reach the web.
    assert!(!is_set("PrivateNetwork"), "PrivateNetwork= cuts the crawler off");
    assert!(
        !is_set("RestrictAddressFamilies_AF_INET_INET6"),
        "IPv4/IPv6 sockets must stay allowed"
    );
}

#[test]
fn the_timer_fires_at_22_00_china_time() {
    let timer =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/systemd/zwgk-nightly.timer")).unwrap();
    let spec = timer
        .lines()
        .find_map(|l| l.strip_prefix("OnCalendar="))
        .expect("the timer has OnCalendar=");
    let out = systemd_analyze(&["calendar", "--iterations=3", spec]);
    let output = all_output(&out);
    assert!(out.status.success(), "systemd-analyze calendar failed:\n{output}");
    // China has no daylight saving time: 22:00 in Shanghai is 14:00 UTC every night.
    let elapses: Vec<&str> = output
        .lines()
        .filter(|l| l.contains("Next elapse:") || l.contains("Iter. #"))
        .collect();
    assert_eq!(elapses.len(), 3, "{output}");
    assert!(
        elapses.iter().all(|l| l.trim_end().ends_with("14:00:00 UTC")),
        "{output}"
    );
}
