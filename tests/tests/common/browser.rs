//! Browser checks: a `tests/web/*.test.mjs` script (playwright-core, headless Chromium) run by
//! node against a hall; it prints one line per check and `N passed, M failed` last.

use std::path::Path;
use std::process::Command;

/// One browser run at a time: two Chromiums on two cores make the page timeouts flaky.
static BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs `tests/web/<script>` with `args` and asserts that every check passed; its output.
pub async fn run_checks(script: &str, args: Vec<String>) -> String {
    let _one = BROWSER.lock().await;
    let web = super::workspace_root().join("tests/web");
    assert!(
        web.join("node_modules/playwright-core").exists(),
        "run `npm install` in tests/web first (scripts/test.sh does it)"
    );
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "apt-get install chromium (scripts/test.sh does it)"
    );
    let script = web.join(script);
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .args(args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser checks failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
    stdout
}
