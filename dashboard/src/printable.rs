//! Terminal hygiene for the TUIs: every string a frame carries loses its control characters
//! before a screen can draw it, so an escape sequence typed anywhere never reaches a terminal.

use queue_core::hygiene::{printable, strip_frame};

use crate::client::{Incoming, Link};

fn text(s: String) -> String {
    printable(&s).into_owned()
}

/// `i` with control characters removed from every string in it.
#[must_use]
pub fn incoming(i: Incoming) -> Incoming {
    match i {
        Incoming::Link(l) => Incoming::Link(match l {
            Link::Offline(m) => Link::Offline(text(m)),
            Link::Refused(m) => Link::Refused(text(m)),
            other => other,
        }),
        Incoming::Welcome {
            role,
            window,
            seq,
            departments,
        } => Incoming::Welcome {
            role: text(role),
            window,
            seq,
            departments: departments.into_iter().map(text).collect(),
        },
        Incoming::Snapshot { seq, mut state } => {
            strip_frame(&mut state);
            Incoming::Snapshot { seq, state }
        }
        Incoming::Event { seq, at, mut event } => {
            strip_frame(&mut event);
            Incoming::Event {
                seq,
                at: text(at),
                event,
            }
        }
        Incoming::Summary {
            seq,
            at,
            mut queues,
        } => {
            strip_frame(&mut queues);
            Incoming::Summary {
                seq,
                at: text(at),
                queues,
            }
        }
        Incoming::Reply {
            id,
            ok,
            seq,
            mut result,
            error,
        } => {
            strip_frame(&mut result);
            Incoming::Reply {
                id: text(id),
                ok,
                seq,
                result,
                error: error.map(|(c, m)| (text(c), text(m))),
            }
        }
        Incoming::Error { code, message } => Incoming::Error {
            code: text(code),
            message: text(message),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_escape_in_an_event_never_reaches_the_screen() {
        let i = incoming(Incoming::Event {
            seq: 1,
            at: "t".into(),
            event: json!({"kind":"urgent_refused","reason":"\u{1b}[2J\u{1b}]0;x\u{7}hi"}),
        });
        let Incoming::Event { event, .. } = i else {
            panic!("kind changed")
        };
        assert_eq!(event["reason"], "[2J]0;xhi");
    }
}
