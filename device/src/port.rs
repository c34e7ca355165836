//! Opening serial ports by path.

use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use serialport::{ClearBuffer, SerialPort, TTYPort};

/// An open serial port, opened exclusively (TIOCEXCL + flock) so two
/// programs never interleave bytes on one device.
pub(crate) struct SerialLink {
    port: TTYPort,
}

impl SerialLink {
    pub(crate) fn open(path: &Path, baud: u32, timeout: Duration) -> serialport::Result<Self> {
        let port = serialport::new(path.to_string_lossy(), baud)
            .timeout(timeout)
            .open_native()?;
        Ok(Self { port })
    }

    pub(crate) fn set_timeout(&mut self, timeout: Duration) -> serialport::Result<()> {
        self.port.set_timeout(timeout)
    }

    pub(crate) fn clear_input(&self) -> serialport::Result<()> {
        self.port.clear(ClearBuffer::Input)
    }
}

impl Read for SerialLink {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.port.read(buf)
    }
}

impl Write for SerialLink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.port.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.port.flush()
    }
}

/// Creates a pseudo-terminal pair: (master, slave, slave path).
pub(crate) fn pty_pair() -> serialport::Result<(TTYPort, TTYPort, std::path::PathBuf)> {
    let (master, slave) = TTYPort::pair()?;
    let path = slave.name().map(std::path::PathBuf::from).ok_or_else(|| {
        serialport::Error::new(serialport::ErrorKind::Unknown, "pty slave has no name")
    })?;
    Ok((master, slave, path))
}

/// Points `link` at `target`, replacing whatever was there. Lets tests and
/// demos give a simulated device a stable path across re-creation (replug).
pub fn replace_symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    let tmp = link.with_extension("tmp-link");
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp)?;
    // rename is atomic, so a reader polling the path never sees it missing
    // mid-swap.
    std::fs::rename(&tmp, link)
}
