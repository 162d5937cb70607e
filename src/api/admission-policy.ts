/** Members of this group may write WorkloadRecords by hand (the controller then re-baselines them). */
export const BREAK_GLASS_GROUP = 'confighash:break-glass';

/**
 * The RBAC verb that marks the controller as the writer of WorkloadRecords: its Role grants it
 * on workloadrecords, and the policy confighash-workloadrecord-writers asks the authorizer for
 * it. It follows the controller to whatever namespace it is installed in. A wildcard grant
 * (cluster-admin, `verbs: ["*"]`) does not count: the policy also asks for NOT_A_VERB.
 */
export const RECORD_WRITER_VERB = 'confighash-write';
export const NOT_A_VERB = 'confighash-no-such-verb';
