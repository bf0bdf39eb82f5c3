/** Exposes the renderer's only door to main. The typed contract is added by the studio issue. */
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('ganStudio', { platform: process.platform });
