//! Who may see and change what: roles, the permissions each role has, and the jurisdiction (state, district or
//! block) that limits every query. Handlers never decide this themselves; they ask a [`Scope`] and a [`Role`].

use crate::filter::WorkerFilter;

/// A person's role. The last three are for modules that build on the registry (training, placement,
/// child-labour casework); they are defined now so accounts can be created before those modules land.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    StateAdmin,
    DistrictAdmin,
    BlockOfficer,
    Viewer,
    TrainingPartner,
    Employer,
    ChildProtection,
}

/// What a role may do. Reading personal data (a worker's number, a conversation) is a permission of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ViewOverview,
    ViewWorkers,
    ViewPersonal,
    EditWorkers,
    VerifyWorkers,
    RecordErasure,
    UploadLists,
    ViewRequests,
    /// Acting on a request: offering it to another worker, calling the citizen, closing it.
    ActOnRequests,
    /// Downloading the registry (names and numbers) as a file.
    DownloadWorkers,
    ViewAudit,
    /// Seeing centres, programmes, batches, trainees and certificates.
    ViewTraining,
    /// Defining centres, programmes and batches; enrolling, attendance, assessments (a training partner: in its
    /// own centres only).
    ManageTraining,
    /// Revoking a certificate, or re-issuing it after a correction.
    RevokeCertificates,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::StateAdmin,
        Role::DistrictAdmin,
        Role::BlockOfficer,
        Role::Viewer,
        Role::TrainingPartner,
        Role::Employer,
        Role::ChildProtection,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::StateAdmin => "state_admin",
            Role::DistrictAdmin => "district_admin",
            Role::BlockOfficer => "block_officer",
            Role::Viewer => "viewer",
            Role::TrainingPartner => "training_partner",
            Role::Employer => "employer",
            Role::ChildProtection => "child_protection",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    pub fn can(self, p: Permission) -> bool {
        use Permission as P;
        match self {
            Role::StateAdmin | Role::DistrictAdmin => true,
            Role::BlockOfficer => {
                !matches!(p, P::ViewAudit | P::ManageTraining | P::RevokeCertificates)
            }
            Role::Viewer => matches!(
                p,
                P::ViewOverview | P::ViewWorkers | P::ViewRequests | P::ViewTraining
            ),
            // A partner finds trainees in the registry (without their numbers) and runs its own centres.
            Role::TrainingPartner => matches!(
                p,
                P::ViewOverview
                    | P::ViewWorkers
                    | P::ViewTraining
                    | P::ManageTraining
                    | P::RevokeCertificates
            ),
            // Later modules widen this; until then an employer sees the overview of its area only.
            Role::Employer => matches!(p, P::ViewOverview),
            Role::ChildProtection => matches!(p, P::ViewOverview | P::ViewRequests),
        }
    }

    /// How wide the role's jurisdiction must be.
    pub fn needs(self) -> ScopeLevel {
        match self {
            Role::StateAdmin => ScopeLevel::State,
            Role::BlockOfficer => ScopeLevel::Block,
            _ => ScopeLevel::District,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeLevel {
    State,
    District,
    Block,
}

/// The part of the service area a person may see. District and block names are the gazetteer's canonical names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    All,
    District(String),
    Block { district: String, block: String },
}

impl Scope {
    pub fn district(&self) -> Option<&str> {
        match self {
            Scope::All => None,
            Scope::District(d) | Scope::Block { district: d, .. } => Some(d),
        }
    }

    pub fn block(&self) -> Option<&str> {
        match self {
            Scope::Block { block, .. } => Some(block),
            _ => None,
        }
    }

    /// Whether a record placed in this district and block is inside the scope.
    pub fn covers(&self, district: &str, block: Option<&str>) -> bool {
        match self {
            Scope::All => true,
            Scope::District(d) => d.eq_ignore_ascii_case(district),
            Scope::Block {
                district: d,
                block: b,
            } => {
                d.eq_ignore_ascii_case(district) && block.is_some_and(|x| x.eq_ignore_ascii_case(b))
            }
        }
    }

    /// Narrows a filter to the scope. `None` when the filter asks for something outside it (the answer is then
    /// empty, never a wider list).
    pub fn restrict(&self, mut f: WorkerFilter) -> Option<WorkerFilter> {
        if let Some(d) = self.district() {
            if f.district
                .as_deref()
                .is_some_and(|x| !x.eq_ignore_ascii_case(d))
            {
                return None;
            }
            f.district = Some(d.to_string());
        }
        if let Some(b) = self.block() {
            if f.block
                .as_deref()
                .is_some_and(|x| !x.eq_ignore_ascii_case(b))
            {
                return None;
            }
            f.block = Some(b.to_string());
        }
        Some(f)
    }

    /// A short stable key (for caches and the audit log).
    pub fn key(&self) -> String {
        match self {
            Scope::All => "*".into(),
            Scope::District(d) => d.clone(),
            Scope::Block { district, block } => format!("{district}/{block}"),
        }
    }
}

/// Who is asking, for every entry point alike (an API token, a dashboard session, the command line): the account
/// (none for the service token and the server's operator), its role and its jurisdiction.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    pub user_id: Option<i64>,
    /// As the audit log names the caller.
    pub name: String,
    pub role: Role,
    pub scope: Scope,
}

/// Why an action was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("the role {} may not do this ({permission:?})", role.as_str())]
    Permission { role: Role, permission: Permission },
    #[error("the record is outside the caller's jurisdiction")]
    Jurisdiction,
}

impl Caller {
    /// The server's operator (the command line without `--as`, the service token): a state administrator's rights
    /// everywhere.
    pub fn operator(name: &str) -> Caller {
        Caller {
            user_id: None,
            name: name.to_string(),
            role: Role::StateAdmin,
            scope: Scope::All,
        }
    }

    pub fn can(&self, p: Permission) -> bool {
        self.role.can(p)
    }

    /// The one check of an action: the caller's role has the permission.
    pub fn authorize(&self, p: Permission) -> Result<(), Denied> {
        if self.can(p) {
            Ok(())
        } else {
            Err(Denied::Permission {
                role: self.role,
                permission: p,
            })
        }
    }

    /// The check of an action on one record placed at `district` (and `block`): the permission, then the
    /// jurisdiction.
    pub fn authorize_at(
        &self,
        p: Permission,
        district: &str,
        block: Option<&str>,
    ) -> Result<(), Denied> {
        self.authorize(p)?;
        if self.scope.covers(district, block) {
            Ok(())
        } else {
            Err(Denied::Jurisdiction)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block() -> Scope {
        Scope::Block {
            district: "Saran".into(),
            block: "Marhaura".into(),
        }
    }

    #[test]
    fn a_block_scope_overrides_an_empty_filter_and_refuses_another_block() {
        let f = block().restrict(WorkerFilter::default()).unwrap();
        assert_eq!(f.district.as_deref(), Some("Saran"));
        assert_eq!(f.block.as_deref(), Some("Marhaura"));
        let other = WorkerFilter {
            block: Some("Sonepur".into()),
            ..Default::default()
        };
        assert_eq!(block().restrict(other), None);
    }

    #[test]
    fn a_district_scope_keeps_a_block_filter_inside_it() {
        let f = WorkerFilter {
            block: Some("Sonepur".into()),
            ..Default::default()
        };
        let s = Scope::District("Saran".into()).restrict(f).unwrap();
        assert_eq!(s.block.as_deref(), Some("Sonepur"));
        assert_eq!(s.district.as_deref(), Some("Saran"));
        let elsewhere = WorkerFilter {
            district: Some("Siwan".into()),
            ..Default::default()
        };
        assert_eq!(Scope::District("Saran".into()).restrict(elsewhere), None);
    }

    #[test]
    fn covers_needs_the_block_for_a_block_scope() {
        assert!(block().covers("saran", Some("marhaura")));
        assert!(!block().covers("Saran", None));
        assert!(!block().covers("Saran", Some("Sonepur")));
        assert!(Scope::All.covers("Siwan", None));
    }

    #[test]
    fn viewers_read_and_never_write() {
        assert!(Role::Viewer.can(Permission::ViewWorkers));
        for p in [
            Permission::EditWorkers,
            Permission::VerifyWorkers,
            Permission::UploadLists,
            Permission::ViewPersonal,
            Permission::RecordErasure,
        ] {
            assert!(!Role::Viewer.can(p));
        }
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }

    #[test]
    fn one_check_answers_for_the_role_and_the_jurisdiction() {
        let block = Caller {
            user_id: Some(3),
            name: "ravi".into(),
            role: Role::BlockOfficer,
            scope: Scope::Block {
                district: "Saran".into(),
                block: "Marhaura".into(),
            },
        };
        assert_eq!(block.authorize(Permission::ViewWorkers), Ok(()));
        assert_eq!(
            block.authorize(Permission::ViewAudit),
            Err(Denied::Permission {
                role: Role::BlockOfficer,
                permission: Permission::ViewAudit
            })
        );
        assert_eq!(
            block.authorize_at(Permission::ViewWorkers, "Saran", Some("Marhaura")),
            Ok(())
        );
        assert_eq!(
            block.authorize_at(Permission::ViewWorkers, "Saran", Some("Sonepur")),
            Err(Denied::Jurisdiction)
        );
        let op = Caller::operator("command line");
        for p in [
            Permission::UploadLists,
            Permission::ViewAudit,
            Permission::RecordErasure,
        ] {
            assert_eq!(op.authorize_at(p, "Kanpur Nagar", None), Ok(()));
        }
    }
}
