import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { AuthModuleOptions } from './interfaces/auth-options.interface.js';

/** Extras of `forRoot()`/`forRootAsync()`. */
export interface AuthModuleExtras {
  /** Make the module's providers visible everywhere. Default `true`. */
  readonly isGlobal?: boolean;
}

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: AUTH_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuthModuleOptions>({ moduleName: 'Auth' })
  .setClassMethodName('forRoot')
  .setExtras<AuthModuleExtras>({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal ?? true,
  }))
  .build();
