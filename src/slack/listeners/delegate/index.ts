export { delegateSubcommand, runDelegateCommand } from './delegate-command.ts';
