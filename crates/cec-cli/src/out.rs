//! Standard output that never panics: `println!` panics when the reader has
//! gone (`cec ops | head -1`); these write, notice a closed pipe, and let the
//! command end cleanly instead.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes one line to stdout and flushes it. After the reader has closed the
/// pipe, every call fails with [`io::ErrorKind::BrokenPipe`] at once.
pub fn write_line(args: std::fmt::Arguments<'_>) -> io::Result<()> {
    if CLOSED.load(Ordering::Relaxed) {
        return Err(io::ErrorKind::BrokenPipe.into());
    }
    let mut o = io::stdout().lock();
    let r = o.write_fmt(args).and_then(|()| o.write_all(b"\n")).and_then(|()| o.flush());
    if let Err(e) = &r
        && e.kind() == io::ErrorKind::BrokenPipe
    {
        CLOSED.store(true, Ordering::Relaxed);
    }
    r
}

/// True once a write found stdout closed.
#[allow(dead_code)] // for long-running commands that poll it between steps
pub fn closed() -> bool {
    CLOSED.load(Ordering::Relaxed)
}

/// True when `e` (or anything in its chain) is a closed stdout.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe))
}

/// `println!` that returns `io::Result<()>` instead of panicking on a closed pipe.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::out::write_line(format_args!($($arg)*))
    };
}
