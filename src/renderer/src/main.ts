import { createApp, h } from 'vue';

createApp({ render: () => h('main', [h('h1', 'GAN Studio'), h('p', 'Train from the command line for now: gan-studio train --preset mnist-quick --out runs/quick')]) }).mount('#app');
