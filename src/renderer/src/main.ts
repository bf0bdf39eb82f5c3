/** The renderer's start: pick the transport (Electron's preload, else the headless server's WebSocket), connect, mount. */
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import type { PreloadApi } from '../../shared/channels';
import App from './App.vue';
import { StudioClient } from './api/client';
import { preloadTransport } from './api/preloadTransport';
import { webSocketTransport } from './api/webSocketTransport';
import { preventStrayDrops } from './dropGuard';
import { useStudioStore } from './stores/studio';
import './styles.css';

preventStrayDrops(window);
const app = createApp(App);
app.use(createPinia());
const studio = useStudioStore();
const preload = (window as unknown as { ganStudio?: PreloadApi }).ganStudio;
const transport = preload ? preloadTransport(preload) : webSocketTransport(window.location, (state) => (studio.connection = state));
void studio.connect(new StudioClient(transport));
app.mount('#app');
