import { gatewayTestConfig } from './vitest.config';

export default gatewayTestConfig('browser');
