//! Where the lowering is: a node of a spec file, and the errors reported at it.

use crate::diag::Diagnostics;
use crate::model::Site;
use crate::raw;
use crate::yaml::{Parsed, Seg, path_string};

/// A node of a spec file: the file and the path to the node (`endpoints[0].body`). Each
/// lowering method takes the node it lowers and reports problems at it or at its children:
/// `at.child("name").error(message).help(help).push(self.diags)`.
#[derive(Clone)]
pub(super) struct At<'f> {
    file: &'f Parsed<raw::File>,
    path: Vec<Seg>,
}

impl<'f> At<'f> {
    /// The top level of `file`.
    pub(super) fn root(file: &'f Parsed<raw::File>) -> At<'f> {
        At { file, path: Vec::new() }
    }

    /// The entry `seg` of this node: a key of a mapping, or an index of a sequence.
    pub(super) fn child(&self, seg: impl Into<Seg>) -> At<'f> {
        let mut path = Vec::with_capacity(self.path.len() + 1);
        path.extend_from_slice(&self.path);
        path.push(seg.into());
        At { file: self.file, path }
    }

    /// The file the node is in.
    pub(super) fn file(&self) -> &'f Parsed<raw::File> {
        self.file
    }

    /// The file's name as diagnostics show it, e.g. `spec/api.yaml`.
    pub(super) fn file_name(&self) -> &'f str {
        &self.file.file.name
    }

    /// The line the node's value starts on (its closest written ancestor's when it is absent).
    pub(super) fn line(&self) -> usize {
        self.file.index.value(&self.path).line
    }

    /// Where the node is, for the model node lowered from it: where it starts (its closest
    /// written ancestor's value when it is absent, as for errors).
    pub(super) fn site(&self) -> Site {
        Site {
            file: self.file.file.name.clone(),
            path: path_string(&self.path),
            pos: self.file.index.start(&self.path),
        }
    }

    /// Starts an error pointing at the node's value; nothing is reported until `push`.
    pub(super) fn error(&self, message: impl Into<String>) -> Report<'_, 'f> {
        Report {
            at: self,
            message: message.into(),
            help: None,
            key: false,
        }
    }
}

/// An error being written: its node and message, and what `help` and `at_key` add.
#[must_use = "an error is reported only once pushed"]
pub(super) struct Report<'a, 'f> {
    at: &'a At<'f>,
    message: String,
    help: Option<String>,
    key: bool,
}

impl Report<'_, '_> {
    /// What would be valid, or what to do.
    pub(super) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Points at the node's key (`bulk:`) rather than at its value.
    pub(super) fn at_key(mut self) -> Self {
        self.key = true;
        self
    }

    /// Reports the error.
    pub(super) fn push(self, diags: &mut Diagnostics) {
        let Report { at, message, help, key } = self;
        let diagnostic = if key {
            at.file.error_at_key(&at.path, message, help)
        } else {
            at.file.error_at(&at.path, message, help)
        };
        diags.push(diagnostic);
    }
}
