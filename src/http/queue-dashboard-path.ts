/** Where the queue dashboard is served. */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';
